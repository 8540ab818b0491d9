using System.Diagnostics;
using System.Text.Json;
using EventCrm.Models;

namespace EventCrm.Benchmarks.Scenarios;

/// <summary>
/// Training time and peak memory through the application's own verb (<c>models train NAME --report FILE</c>): in
/// the full plan each model in a process of its own, so that each peak is that model's; then, in both plans, all
/// five in one process (<c>models train all</c>), as the nightly schedule trains them: one read of the customers'
/// history, the models fitted side by side.
/// </summary>
public static class Models
{
    public static async Task<IReadOnlyList<Section>> Run(BenchServer server, Plan plan)
    {
        var alone = new List<object[]>();
        var together = new List<object[]>();
        var goals = new List<Goal>();
        foreach (var customers in plan.ModelCustomers)
        {
            var connection = await server.Work(await server.Template(customers));
            if (plan.ModelsOnePerProcess)
                foreach (var model in ModelCatalog.Names)
                {
                    var (report, wall) = await Train(model, connection);
                    foreach (var run in report.Runs)
                        alone.Add([customers, run.Model, run.Rows, run.Seconds, wall.TotalSeconds, report.PeakMemoryBytes / 1_048_576.0, Quality(run)]);
                }

            // A copy of its own, so that the five train on the data the one-per-process runs saw, against the same active versions.
            var fresh = await server.Work(await server.Template(customers));
            var (all, allWall) = await Train("all", fresh);
            foreach (var run in all.Runs)
                together.Add([customers, run.Model, run.Rows, run.OwnSeconds ?? run.Seconds, run.Seconds, "", "", "", Quality(run)]);
            together.Add([customers, "all five", "", all.Runs.Sum(r => r.OwnSeconds ?? r.Seconds), all.TrainingSeconds ?? 0,
                allWall.TotalSeconds, all.HistorySeconds ?? 0, all.PeakMemoryBytes / 1_048_576.0,
                $"{all.Runs.Count(r => r.Activated)} of {all.Runs.Count} activated"]);
            if (customers >= 100_000)
                goals.Add(new Goal($"all five models at {customers:N0} customers (models train all, process wall time)", "≤ 15 s",
                    $"{allWall.TotalSeconds:0.0} s", allWall.TotalSeconds <= 15));
        }
        var sections = new List<Section>();
        if (plan.ModelsOnePerProcess)
            sections.Add(new Section("models", "Models: training time and peak memory",
                ["customers", "model", "rows", "training s", "process wall s", "peak MB", "quality"], alone,
                "One process per model. 'training s' is the run's own time (reading the history, features, fitting, scoring against " +
                "the baseline, storing); 'process wall s' adds the process's start-up."));
        sections.Add(new Section("models", "Models: all five in one process",
            ["customers", "model", "rows", "model s", "training s", "process wall s", "history read s", "peak MB", "quality"], together,
            "models train all: the customers' history read once for the five, the models fitted side by side (as many at once as " +
            "there are cores). 'model s' is a model's own work (features, fit, evaluation, storing; on the 'all five' row their sum); " +
            "'training s' is from the training's start to the model's version (the shared read included; on the 'all five' row the " +
            "whole training); 'process wall s' adds the process's start-up; 'history read s' is the one read of the history.", [.. goals]));
        return sections;
    }

    private static async Task<(TrainingReport Report, TimeSpan Wall)> Train(string model, string connection)
    {
        var file = Path.GetTempFileName();
        try
        {
            var watch = Stopwatch.StartNew();
            var exit = await AppProcess.RunVerb(["models", "train", model, "--report", file], connection);
            var wall = watch.Elapsed;
            var text = await File.ReadAllTextAsync(file);
            if (text.Length == 0) throw new InvalidOperationException($"models train {model} wrote no report (exit code {exit}).");
            return (JsonSerializer.Deserialize<TrainingReport>(text, new JsonSerializerOptions(JsonSerializerDefaults.Web))!, wall);
        }
        finally
        {
            File.Delete(file);
        }
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
