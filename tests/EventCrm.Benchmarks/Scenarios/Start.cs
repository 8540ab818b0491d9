using System.Diagnostics;
using System.Net.Http.Json;

namespace EventCrm.Benchmarks.Scenarios;

/// <summary>
/// The application's start, as a deploy, a restarted node or a test suite pays it: from launching the process to
/// the first answer of /health/live, the first 200 of /health/ready, and a first command answered (a customer
/// registered). Side by side, the build build/crm makes (Wolverine's handlers generated ahead of time and compiled
/// in) and the plain build that generated them, which compiles the handlers at start (<c>CRM_BENCH_PLAIN_APP</c>).
/// </summary>
public static class Start
{
    public static async Task<Section> Run(BenchServer server, Plan plan)
    {
        var connection = await server.Work(await server.Template(plan.CommandsCustomers));
        var builds = new List<(string Name, string Dll)> { ("handlers generated ahead of time", AppProcess.AppDll) };
        if (Environment.GetEnvironmentVariable("CRM_BENCH_PLAIN_APP") is { Length: > 0 } plain && File.Exists(plain))
            builds.Add(("handlers compiled at start", plain));

        var runs = plan.Quick ? 2 : 5;
        var rows = new List<object[]>();
        var medians = new Dictionary<string, double>();
        foreach (var (name, dll) in builds)
        {
            var live = new List<double>();
            var ready = new List<double>();
            var first = new List<double>();
            for (var run = 0; run < runs; run++)
            {
                var watch = Stopwatch.StartNew();
                await using var app = await AppProcess.Start(connection, dll: dll, poll: TimeSpan.FromMilliseconds(25));
                using var client = app.Client(1, "sales");
                using var response = await client.PostAsJsonAsync("/api/customers",
                    new { name = "Start Bench", email = $"start.{Guid.NewGuid():N}@example.com" });
                await AppProcess.Succeeded(response);
                first.Add(watch.Elapsed.TotalSeconds);
                live.Add(app.LiveAfter.TotalSeconds);
                ready.Add(app.ReadyAfter.TotalSeconds);
            }
            medians[name] = Median(first);
            rows.Add([name, runs, Median(live), Median(ready), Median(first), first.Max()]);
        }
        var note = "Seconds from launching `dotnet EventCrm.dll` (Production settings, the commands scenario's database) to each answer; " +
                   "median and slowest of the runs.";
        if (medians.Count == 2)
            note += $" The first command comes {medians["handlers compiled at start"] / medians["handlers generated ahead of time"]:0.0}× sooner with the handlers generated ahead of time.";
        else note += " Set CRM_BENCH_PLAIN_APP to a plain build for the comparison (build/crm bench does when its plain build is current).";
        return new Section("start", "Starting the application",
            ["build", "runs", "live s (median)", "ready s (median)", "first command s (median)", "first command s (slowest)"], rows, note);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
