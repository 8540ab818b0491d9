using System.Diagnostics;
using JasperFx.CommandLine;
using Marten;
using Spectre.Console;

namespace EventCrm.Models;

public class ModelsInput : NetCoreInput
{
    [Description("train or score")]
    public string Action { get; set; } = "train";

    [Description("A model's name, or all (default)")]
    public string Model { get; set; } = "all";

    [Description("Also write what was trained, and the process's peak memory, to this JSON file")]
    [FlagAlias("report")]
    public string? ReportFlag { get; set; }
}

/// <summary>
/// What <c>models train --report</c> writes: for scripts and the benchmarks. <paramref name="HistorySeconds"/> is the
/// one read of the customers' history the models shared, <paramref name="TrainingSeconds"/> the whole training (locks,
/// the read, every fit, storing), <paramref name="ProcessSeconds"/> the process from its start to the report.
/// </summary>
public sealed record TrainingReport(IReadOnlyList<TrainingReport.Run> Runs, long PeakMemoryBytes, double? HistorySeconds = null,
    double? TrainingSeconds = null, double? ProcessSeconds = null)
{
    /// <summary>
    /// One model's run; <paramref name="Seconds"/> is the run's time as its version records it (from the training's
    /// start, so with the shared read), <paramref name="OwnSeconds"/> the model's own work (features, fit, evaluation,
    /// storing); <paramref name="LeftOut"/> counts, by reason, the records it did not learn from.
    /// </summary>
    public sealed record Run(string Model, int? Version, int Rows, double Seconds, bool Activated, string Outcome,
        IReadOnlyDictionary<string, double> Metrics, IReadOnlyDictionary<string, double> Baseline,
        IReadOnlyDictionary<string, int>? LeftOut = null, double? OwnSeconds = null);
}

/// <summary>
/// <c>models train [name|all]</c> trains in this process, as the scheduled job would, and prints each version's
/// metrics and verdict; <c>models score</c> rewrites the customers' scores.
/// </summary>
[Description("Train the models now, or score the customers", Name = "models")]
public class ModelsCommand : JasperFxAsyncCommand<ModelsInput>
{
    public override async Task<bool> Execute(ModelsInput input)
    {
        using var host = input.BuildHost();
        var services = host.Services;

        if (input.Action == "score")
        {
            var watch = Stopwatch.StartNew();
            await services.GetRequiredService<ScoreCustomers>().Run(CancellationToken.None);
            AnsiConsole.MarkupLineInterpolated($"Scored the customers in {watch.Elapsed.TotalSeconds:F1} s.");
            return true;
        }
        if (input.Action != "train")
        {
            AnsiConsole.MarkupLine("[red]Say train or score.[/]");
            return false;
        }

        string[] models = input.Model == "all" ? ModelCatalog.Names : [input.Model];
        if (models.FirstOrDefault(m => !ModelCatalog.Names.Contains(m)) is { } unknown)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]No model '{unknown}'. Models: {string.Join(", ", ModelCatalog.Names)}.[/]");
            return false;
        }
        var table = new Table().AddColumns("model", "version", "rows", "seconds", "metrics (baseline)", "verdict", "left out");
        var ok = true;
        var report = new List<TrainingReport.Run>();
        // All of them in one training: the customers' history is read once and the models are fitted side by side.
        var outcome = await services.GetRequiredService<TrainModel>().Train(
            [.. models.Select(m => new TrainingRun(m, ModelStreams.Run(m, Guid.NewGuid().ToString())))], Environment.UserName, null, CancellationToken.None);
        foreach (var (training, card, own) in outcome.Runs)
        {
            var (model, runId) = (training.Model, training.RunId);
            var run = card.Runs.Single(r => r.RunId == runId);
            if (run.Status == RunStatus.Failed)
            {
                table.AddRow(model, "-", "-", "-", "-", Markup.Escape($"failed: {run.Outcome}"), Markup.Escape(LeftOut(run.LeftOut)));
                report.Add(new(model, null, 0, 0, false, $"failed: {run.Outcome}", new Dictionary<string, double>(), new Dictionary<string, double>(),
                    run.LeftOut));
                ok = false;
                continue;
            }
            var version = card.Versions.Single(v => v.RunId == runId);
            var metrics = string.Join(", ", version.Metrics.Select(m => version.Baseline.TryGetValue(m.Key, out var b) ? $"{m.Key} {m.Value:0.###} ({b:0.###})" : $"{m.Key} {m.Value:0.###}"));
            table.AddRow(model, version.Version.ToString(), version.Rows.ToString("N0"), version.Seconds.ToString("F1"), Markup.Escape(metrics),
                Markup.Escape((version.Activated ? "activated: " : "rejected: ") + version.Decision), Markup.Escape(LeftOut(version.LeftOut)));
            report.Add(new(model, version.Version, version.Rows, version.Seconds, version.Activated, version.Decision ?? "", version.Metrics, version.Baseline,
                version.LeftOut, own is { } o ? Math.Round(o, 3) : null));
            ok &= version.Activated;
        }
        AnsiConsole.Write(table);
        var peak = Process.GetCurrentProcess().PeakWorkingSet64;
        var process = DateTime.Now - Process.GetCurrentProcess().StartTime;
        if (outcome.HistorySeconds is { } read)
            AnsiConsole.MarkupLineInterpolated($"Read the customers' history once in {read:F1} s; the whole training took {outcome.Seconds:F1} s.");
        AnsiConsole.MarkupLineInterpolated($"Peak memory of this process: {peak / 1_048_576} MB.");
        if (input.ReportFlag is { } file)
            await File.WriteAllTextAsync(file, System.Text.Json.JsonSerializer.Serialize(new TrainingReport(report, peak,
                    outcome.HistorySeconds is { } h ? Math.Round(h, 3) : null, Math.Round(outcome.Seconds, 3), Math.Round(process.TotalSeconds, 3)),
                new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web) { WriteIndented = true }));
        return ok;
    }

    private static string LeftOut(IReadOnlyDictionary<string, int>? leftOut) =>
        leftOut is null || leftOut.Values.All(n => n == 0) ? "none" : string.Join(", ", leftOut.Where(l => l.Value > 0).Select(l => $"{l.Key} {l.Value:N0}"));
}
