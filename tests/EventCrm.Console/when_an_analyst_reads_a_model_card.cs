using System.Net.Http.Json;
using System.Text.Json;
using Deque.AxeCore.Playwright;
using EventCrm.Infrastructure.Security;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace EventCrm.Console;

/// <summary>
/// The dashboard's models table links each model to its card (model.html?name=): what the API's card says, the data
/// the active version saw, its metrics against the baseline, what it learned (the scored segments for the
/// segmentation), every version and run, each table downloadable as CSV; a role without models:read is told so.
/// </summary>
[Collection(ConsoleCollection.Name)]
public class when_an_analyst_reads_a_model_card(ConsoleApp app)
{
    private const string Model = "segments";

    [Fact]
    public async Task the_card_shows_what_the_api_answers_for_the_model()
    {
        await app.TrainModel(Model);
        using var analyst = app.Client(Roles.Analyst, "anna");
        JsonElement card = default;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            card = await analyst.GetFromJsonAsync<JsonElement>($"/api/models/{Model}");
            if (card.GetProperty("runs").GetArrayLength() > 0 && card.GetProperty("runs")[0].GetProperty("status").GetString() is not ("queued" or "running")) break;
            await Task.Delay(250);
        }
        var runs = card.GetProperty("runs");
        runs.GetArrayLength().ShouldBeGreaterThan(0);

        await using var visit = await Visit.SignedIn(app, Roles.Analyst, "anna");
        await visit.Open("dashboard.html");
        await visit.Page.Locator("#models").GetByRole(AriaRole.Link, new() { Name = Model, Exact = true }).ClickAsync();
        await visit.Page.WaitForURLAsync($"**/console/model.html?name={Model}");
        await Expect(visit.Page.Locator("#title")).ToHaveTextAsync($"Model card: {Model}");
        await Expect(visit.Page.Locator("#last-scored")).ToBeVisibleAsync();

        // Every run, newest first, as the API lists them: status and outcome.
        var runRows = visit.Page.Locator("#runs tbody tr");
        await Expect(runRows).ToHaveCountAsync(runs.GetArrayLength());
        var newest = runs[0];
        await Expect(runRows.First.Locator("td").Nth(1)).ToHaveTextAsync(newest.GetProperty("status").GetString()!);
        if (newest.TryGetProperty("outcome", out var outcome) && outcome.ValueKind == JsonValueKind.String)
            await Expect(runRows.First.Locator("td").Nth(5)).ToHaveTextAsync(outcome.GetString()!);
        await Expect(visit.Page.Locator("#versions tbody tr")).ToHaveCountAsync(card.GetProperty("versions").GetArrayLength());

        // The version the run made: its data, each metric beside the baseline's as the API gives them, the segments.
        var active = card.GetProperty("active");
        active.ValueKind.ShouldBe(JsonValueKind.Object, "the run trained and activated a version");
        await Expect(visit.Page.Locator("#no-active")).ToHaveCountAsync(0);
        await Expect(visit.Page.Locator("#active-data")).ToContainTextAsync($"{active.GetProperty("rows").GetInt32()} rows");
        var metrics = active.GetProperty("metrics").EnumerateObject().OrderBy(m => m.Name, StringComparer.Ordinal).ToList();
        var metricRows = visit.Page.Locator("#metrics tbody tr");
        await Expect(metricRows).ToHaveCountAsync(metrics.Count);
        for (var i = 0; i < metrics.Count; i++)
        {
            await Expect(metricRows.Nth(i).Locator("td").Nth(0)).ToHaveTextAsync(metrics[i].Name);
            var shown = double.Parse(await metricRows.Nth(i).Locator("td").Nth(1).TextContentAsync() ?? "", System.Globalization.CultureInfo.InvariantCulture);
            shown.ShouldBe(metrics[i].Value.GetDouble(), Math.Abs(metrics[i].Value.GetDouble()) * 1e-5 + 1e-9, metrics[i].Name);
        }
        var segments = active.GetProperty("explanation").GetProperty("segments");
        var segmentRows = visit.Page.Locator("#segments tbody tr");
        await Expect(segmentRows).ToHaveCountAsync(segments.GetArrayLength());
        for (var i = 0; i < segments.GetArrayLength(); i++)
        {
            await Expect(segmentRows.Nth(i).Locator("td").Nth(1)).ToHaveTextAsync(segments[i].GetProperty("name").GetString()!);
            await Expect(segmentRows.Nth(i).Locator("td").Nth(2)).ToHaveTextAsync(segments[i].GetProperty("customers").GetInt32().ToString());
        }

        // The runs' CSV is the table's rows.
        var download = await visit.Page.RunAndWaitForDownloadAsync(() => visit.Page.Locator("#runs button.download").ClickAsync());
        var lines = (await File.ReadAllTextAsync((await download.PathAsync())!)).TrimEnd('\r', '\n').Split('\n');
        lines[0].TrimEnd('\r').ShouldBe("startedAt,status,requestedBy,jobId,version,outcome,finishedAt,leftOut");
        lines.Length.ShouldBe(1 + runs.GetArrayLength());

        await visit.Screenshot("model-card");
        var axe = await visit.Page.RunAxe();
        axe.Violations.Where(v => v.Impact is "serious" or "critical").Select(v => $"{v.Id}: {v.Help}").ShouldBeEmpty();
        visit.Problems.ShouldBeEmpty();
    }

    [Fact]
    public async Task a_role_without_the_models_policy_is_told_and_sends_no_request_for_it()
    {
        await using var visit = await Visit.SignedIn(app, Roles.Support, "sam");
        await visit.Open($"model.html?name={Model}");
        await Expect(visit.Page.Locator("[data-policy='models:read']")).ToBeVisibleAsync();
        visit.ApiRequests().ShouldNotContain(r => r.Path.StartsWith("/api/models", StringComparison.Ordinal));
    }
}
