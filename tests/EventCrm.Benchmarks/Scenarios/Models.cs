using System.Diagnostics;
using System.Text.Json;
using EventCrm.Models;

namespace EventCrm.Benchmarks.Scenarios;

/// <summary>
/// Training time and peak memory per model, through the application's own verb (<c>models train NAME
/// --report FILE</c>) in a process of its own per model, so that each peak is that model's; the quick run
/// trains them all in one process.
/// </summary>
public static class Models
{
    public static async Task<Section> Run(BenchServer server, Plan plan)
    {
        var rows = new List<object[]>();
        foreach (var customers in plan.ModelCustomers)
        {
            var connection = await server.Work(await server.Template(customers));
            foreach (var model in plan.ModelsOnePerProcess ? ModelCatalog.Names : ["all"])
            {
                var file = Path.GetTempFileName();
                try
                {
                    var watch = Stopwatch.StartNew();
                    var exit = await AppProcess.RunVerb(["models", "train", model, "--report", file], connection);
                    var wall = watch.Elapsed;
                    var text = await File.ReadAllTextAsync(file);
                    if (text.Length == 0) throw new InvalidOperationException($"models train {model} wrote no report (exit code {exit}).");
                    var report = JsonSerializer.Deserialize<TrainingReport>(text, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
                    foreach (var run in report.Runs)
                        rows.Add([customers, run.Model, run.Rows, run.Seconds, wall.TotalSeconds, report.PeakMemoryBytes / 1_048_576.0, Quality(run)]);
                }
                finally
                {
                    File.Delete(file);
                }
            }
        }
        return new Section("models", "Models: training time and peak memory",
            ["customers", "model", "rows", "training s", "process wall s", "peak MB", "quality"], rows,
            "'training s' is the run's own time (reading the history, features, fitting, scoring against the baseline, " +
            "storing); 'process wall s' adds the process's start-up" +
            (plan.ModelsOnePerProcess ? "." : " and, in the quick run, is shared by all the models of the one process, as is the peak."));
    }

    private static string Quality(TrainingReport.Run run)
    {
        var name = new[] { "auc", "rSquared", "daviesBouldin" }.FirstOrDefault(run.Metrics.ContainsKey);
        if (name is null) return run.Outcome;
        var baseline = name == "auc" ? "logLoss" : name == "rSquared" ? "rmse" : "averageDistance";
        return FormattableString.Invariant(
            $"{name} {run.Metrics[name]:0.###}; {baseline} {run.Metrics.GetValueOrDefault(baseline):0.###} against {run.Baseline.GetValueOrDefault(baseline):0.###}");
    }
}
