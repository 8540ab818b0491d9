using System.Globalization;
using System.Text.RegularExpressions;
using Alba;
using EventCrm.Infrastructure.Security;

namespace EventCrm.Tests.Infrastructure.Observability;

/// <summary>Reads the Prometheus endpoint the way a scraper does, and finds series in it.</summary>
public static partial class Metrics
{
    public static async Task<string> Scrape(this AppFixture app)
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("prometheus", Roles.Admin));
            s.Get.Url("/metrics");
            s.StatusCodeShouldBe(200);
        });
        return await result.ReadAsTextAsync();
    }

    /// <summary>The value of the series <paramref name="name"/> whose labels include every one given, or null.</summary>
    public static double? Value(string exposition, string name, params (string Label, string Value)[] labels)
    {
        foreach (Match line in Series().Matches(exposition))
        {
            if (line.Groups["name"].Value != name) continue;
            var found = Label().Matches(line.Groups["labels"].Value).ToDictionary(l => l.Groups["label"].Value, l => l.Groups["value"].Value);
            if (labels.All(l => found.TryGetValue(l.Label, out var value) && value == l.Value))
                return double.Parse(line.Groups["value"].Value, CultureInfo.InvariantCulture);
        }
        return null;
    }

    /// <summary>Polls until <paramref name="done"/> holds or the time is up; answers the last value seen.</summary>
    public static async Task<T> Eventually<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > deadline) return value;
            await Task.Delay(250);
        }
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>[^ \n]+)", RegexOptions.Multiline)]
    private static partial Regex Series();

    [GeneratedRegex("(?<label>[a-zA-Z_][a-zA-Z0-9_]*)=\"(?<value>[^\"]*)\"")]
    private static partial Regex Label();
}
