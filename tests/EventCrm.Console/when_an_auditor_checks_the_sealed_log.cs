using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using EventCrm.Infrastructure.Security;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace EventCrm.Console;

/// <summary>
/// The sealed log in the console: the latest signed checkpoint as the API lists it, the verification verdict on
/// demand, and a customer's export with its proofs saved as served, which the committed script checks offline.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed partial class when_an_auditor_checks_the_sealed_log(ConsoleApp app)
{
    [Fact]
    public async Task the_page_shows_the_latest_checkpoint_and_verifies_the_log_as_the_api_does()
    {
        using var auditor = app.Client(Roles.Auditor);
        var latest = await Checkpointed(auditor, 1); // the seeded history is signed for

        await using var visit = await Visit.SignedIn(app, Roles.Auditor);
        await visit.Open("audit.html");
        var shown = visit.Page.Locator("#latest-checkpoint tbody tr").First;
        await Expect(shown).ToBeVisibleAsync();
        var cells = await shown.Locator("td").AllInnerTextsAsync();
        var listed = (await auditor.GetFromJsonAsync<JsonElement>("/api/audit/checkpoints?pageSize=50")).GetProperty("items").EnumerateArray().ToList();
        // The newest when the page asked; one signed since then is listed before it.
        var match = listed.Single(c => c.GetProperty("root").GetString() == cells[4]);
        cells[0].ShouldBe(match.GetProperty("treeSize").GetInt64().ToString());
        cells[1].ShouldBe(match.GetProperty("lastSequence").GetInt64().ToString());
        cells[3].ShouldBe(match.GetProperty("keyId").GetString());
        match.GetProperty("treeSize").GetInt64().ShouldBeGreaterThanOrEqualTo(latest);

        var before = (await auditor.GetFromJsonAsync<JsonElement>("/api/audit/verify")).GetProperty("eventsChecked").GetInt64();
        await visit.Page.GetByRole(AriaRole.Button, new() { Name = "Verify the log" }).ClickAsync();
        var verdict = visit.Page.Locator("#verdict");
        await Expect(verdict).ToHaveTextAsync(new Regex("^The log verifies: "), new() { Timeout = 30_000 });
        var checkedEvents = long.Parse(Counted().Match(await verdict.InnerTextAsync()).Groups[1].Value);
        var after = (await auditor.GetFromJsonAsync<JsonElement>("/api/audit/verify")).GetProperty("eventsChecked").GetInt64();
        // The access log appends while the test reads: the page's count lies between the API's before and after.
        checkedEvents.ShouldBeInRange(before, after);
        await visit.Screenshot("sealed-log");
        visit.Problems.ShouldBeEmpty();
    }

    [Fact]
    public async Task a_customers_export_with_proofs_is_saved_as_served_and_checks_offline()
    {
        using var auditor = app.Client(Roles.Auditor);
        var history = await auditor.GetFromJsonAsync<JsonElement>($"/api/customers/{app.Ada}/history?pageSize=200");
        var last = history.GetProperty("items").EnumerateArray().Max(e => e.GetProperty("sequence").GetInt64());
        await Checkpointed(auditor, last);

        await using var visit = await Visit.SignedIn(app, Roles.Auditor);
        await visit.Open($"customer.html?id={app.Ada}");
        var download = await visit.Page.RunAndWaitForDownloadAsync(() =>
            visit.Page.GetByRole(AriaRole.Button, new() { Name = "Download the export with proofs (JSON)" }).ClickAsync());
        download.SuggestedFilename.ShouldBe($"customer-{app.Ada}-export.json");
        var file = (await download.PathAsync())!;

        var export = JsonDocument.Parse(await File.ReadAllTextAsync(file)).RootElement;
        export.GetProperty("history").EnumerateArray().Select(e => e.GetProperty("sequence").GetInt64())
            .ShouldBe(history.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("sequence").GetInt64()), ignoreOrder: true);
        export.GetProperty("evidence").GetProperty("notYetCheckpointed").GetArrayLength().ShouldBe(0);

        var keys = Path.Combine(Path.GetDirectoryName(file)!, "keys.json");
        await File.WriteAllTextAsync(keys, await new HttpClient { BaseAddress = new Uri(app.Url) }.GetStringAsync("/api/audit/keys"));
        var (exit, output) = await Python("export", file, "--keys", keys);
        exit.ShouldBe(0, output);
        output.Split('\n').Count(line => line.StartsWith("ok event", StringComparison.Ordinal)).ShouldBe(export.GetProperty("history").GetArrayLength());
        visit.Problems.ShouldBeEmpty();
    }

    /// <summary>Waits for a checkpoint that covers the sequence (one is signed within a second here); its tree size.</summary>
    private static async Task<long> Checkpointed(HttpClient auditor, long sequence)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var newest = (await auditor.GetFromJsonAsync<JsonElement>("/api/audit/checkpoints?pageSize=1")).GetProperty("items");
            if (newest.GetArrayLength() > 0 && newest[0].GetProperty("lastSequence").GetInt64() >= sequence) return newest[0].GetProperty("treeSize").GetInt64();
            if (watch.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException($"No checkpoint covered sequence {sequence} within a minute.");
            await Task.Delay(250);
        }
    }

    private static async Task<(int ExitCode, string Output)> Python(params string[] arguments)
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Script());
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output + errors);
    }

    private static string Script()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "EventCrm.sln")))
                return Path.Combine(folder.FullName, "docs", "audit-proofs.py");
        throw new InvalidOperationException("The repository (EventCrm.sln) is not above the test's folder.");
    }

    [GeneratedRegex(@"^The log verifies: (\d+) events")]
    private static partial Regex Counted();
}
