using System.Diagnostics;
using System.Text.Json;

namespace EventCrm.FirstSession;

/// <summary>
/// README.md's first session, its commands exactly as written, against a fresh <c>./build/crm run</c>: each answer
/// is the one the README promises.
/// </summary>
public sealed class when_a_newcomer_follows_the_readme(FreshInstance instance) : IClassFixture<FreshInstance>
{
    [Fact]
    public async Task every_command_answers_what_the_readme_says()
    {
        var commands = ReadmeSession.Commands();
        var (steps, variables) = await Run(ReadmeSession.Script(commands, instance.Api));
        string Printed(string fragment) => steps[Index(commands, fragment)].Output;

        steps.Count.ShouldBe(commands.Count, "every command ran");
        steps.ShouldAllBe(s => s.Exit == 0);
        Guid.TryParse(variables["ID"], out var id).ShouldBeTrue($"the id was kept: '{variables["ID"]}'");

        // TOKEN=$(./build/crm token alice sales) captured a token and nothing else.
        var changed = Json(Printed("\"version\":1,\"email\":\"ada@analytical.engine\""));
        changed.GetProperty("version").GetInt32().ShouldBe(2);

        var stale = Json(Printed("someone@else.example"));
        stale.GetProperty("status").GetInt32().ShouldBe(409);
        stale.GetProperty("currentVersion").GetInt32().ShouldBe(2);

        var purchases = steps.Where((_, i) => commands[i].Contains("/purchases")).Select(s => Json(s.Output)).ToList();
        purchases.Count.ShouldBe(2);
        purchases[0].GetProperty("version").GetInt32().ShouldBe(3);
        purchases[1].GetRawText().ShouldBe(purchases[0].GetRawText(), "the retry got the first answer back");

        var profile = Json(Printed("$API/api/customers/$ID -H"));
        profile.GetProperty("email").GetString().ShouldBe("ada@analytical.engine");
        profile.GetProperty("phone").GetString().ShouldBe("+442079460958", "the phone, left out of the change, kept its value");
        profile.GetProperty("country").GetString().ShouldBe("GB");
        profile.GetProperty("purchaseCount").GetInt32().ShouldBe(1, "the retried purchase was recorded once");
        profile.GetProperty("totalSpent").GetDecimal().ShouldBe(120.50m);

        var found = Json(Printed("q=ada&country=GB"));
        found.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetGuid()).ShouldContain(id);

        var history = Json(Printed("/history"));
        var events = history.GetProperty("items").EnumerateArray().ToList();
        events.Select(e => e.GetProperty("type").GetString()).ShouldBe(["customer_registered", "contact_details_changed", "purchase_recorded"]);
        events.ShouldAllBe(e => e.GetProperty("user").GetString() == "alice");

        var asOf = Json(Printed("as-of?version=1"));
        asOf.GetProperty("email").GetString().ShouldBe("ada@example.com");
        asOf.GetProperty("version").GetInt32().ShouldBe(1);

        var audit = Json(Printed("audit/events?user=alice"));
        audit.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("streamId").GetGuid()).ShouldContain(id);
    }

    private static int Index(IReadOnlyList<string> commands, string fragment)
    {
        var matches = commands.Select((c, i) => (c, i)).Where(x => x.c.Contains(fragment)).ToList();
        matches.Count.ShouldBe(1, $"exactly one README command contains {fragment}");
        return matches[0].i;
    }

    private static JsonElement Json(string text)
    {
        try
        {
            return JsonDocument.Parse(text).RootElement;
        }
        catch (JsonException)
        {
            throw new ShouldAssertException($"Not JSON: {text}");
        }
    }

    private static async Task<(IReadOnlyList<(string Output, int Exit)>, IReadOnlyDictionary<string, string>)> Run(string script)
    {
        var start = new ProcessStartInfo("bash", ["-c", script])
        {
            WorkingDirectory = ReadmeSession.RepositoryRoot(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // The session uses the instance the fixture started, whatever database this suite runs on.
        start.Environment.Remove("ConnectionStrings__Postgres");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        var parsed = ReadmeSession.Parse(await output);
        if (parsed.Steps.Count == 0) throw new ShouldAssertException($"The session printed nothing useful: {await errors}");
        return parsed;
    }
}
