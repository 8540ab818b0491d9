using EventCrm.Infrastructure.Http;
using JasperFx.CommandLine;
using Marten;
using Npgsql;
using Spectre.Console;

namespace EventCrm.Imports;

public class ImportInput : NetCoreInput
{
    [Description("customers or purchases")]
    public string Kind { get; set; } = "";

    [Description("The CSV or JSON file")]
    public string File { get; set; } = "";

    [Description("skip (default), update or flag: what a row matching an existing customer does")]
    [FlagAlias("on-duplicate")]
    public string? OnDuplicateFlag { get; set; }

    [Description("How numbers and dates are written, e.g. de-DE (default en-US)")]
    [FlagAlias("culture")]
    public string? CultureFlag { get; set; }

    [Description("Columns to map: \"Kundenname=name,Mail=email\"")]
    [FlagAlias("mapping")]
    public string? MappingFlag { get; set; }

    [Description("Who the events name as the auditable user (required: the person answerable for the import)")]
    [FlagAlias("user")]
    public string? UserFlag { get; set; }

    [Description("Write what the import did (counts, seconds, peak memory) as JSON to this file, for scripts")]
    [FlagAlias("report")]
    public string? ReportFlag { get; set; }
}

/// <summary>What <c>import --report</c> writes: for scripts and the benchmarks.</summary>
public sealed record ImportRunReport(Guid BatchId, string Status, ImportCounts Counts, double Seconds, long PeakMemoryBytes);

/// <summary><c>import customers people.csv --on-duplicate update</c>: the HTTP import, from a shell, with a progress bar.</summary>
[Description("Import customers or purchases from a CSV or JSON file", Name = "import")]
public class ImportCommand : JasperFxAsyncCommand<ImportInput>
{
    public override async Task<bool> Execute(ImportInput input)
    {
        if (!Enum.TryParse<ImportKind>(input.Kind, ignoreCase: true, out var kind))
        {
            AnsiConsole.MarkupLine("[red]Import 'customers' or 'purchases'.[/]");
            return false;
        }
        var request = new ImportRequest(input.OnDuplicateFlag, input.CultureFlag, input.MappingFlag);
        var errors = ImportStarter.Check(kind, request, new FieldErrors());
        if (!System.IO.File.Exists(input.File)) errors.Add("file", $"No file '{input.File}'.");
        // Auditors read who changed what: an import names a person, never the machine's login by default.
        if (string.IsNullOrWhiteSpace(input.UserFlag))
            errors.Add("--user", "Name the person the import is recorded for, e.g. --user ada (auditors read it on every event).");
        if (errors.ToProblem() is Microsoft.AspNetCore.Http.HttpValidationProblemDetails invalid)
        {
            foreach (var (field, messages) in invalid.Errors)
                foreach (var message in messages) AnsiConsole.MarkupLineInterpolated($"[red]{field}[/]: {message}");
            return false;
        }

        using var host = input.BuildHost();
        var services = host.Services;
        var starter = services.GetRequiredService<ImportStarter>();
        var user = input.UserFlag!.Trim();
        Guid batchId;
        await using (var file = System.IO.File.OpenRead(input.File))
        {
            (batchId, var stored) = await starter.Store(kind, Path.GetFileName(input.File), ImportSource.FormatOf(input.File, null), file,
                ImportStarter.Options(request, services.GetRequiredService<ImportRules>()), session =>
                {
                    session.LastModifiedBy = user;
                    session.SetHeader(CommandMetadata.SourceHeader, "cli");
                }, CancellationToken.None);
            var refused = stored switch
            {
                StoredFile.TooLarge => $"The file is larger than {ImportRules.MaxFileBytes / (1024 * 1024)} MiB.",
                StoredFile.NotUtf8 notUtf8 => $"The file is not UTF-8 text (byte {notUtf8.At + 1:N0} is not): save it as UTF-8.",
                StoredFile.Refused refusal => refusal.Reason,
                _ => null,
            };
            if (refused is not null)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]{refused}[/] Nothing was imported.");
                return false;
            }
        }

        var started = DateTime.UtcNow;
        ImportBatch? batch = null;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask($"importing {Path.GetFileName(input.File)}", maxValue: 1);
                var progress = new Progress<ImportBatch>(b => task.Value = b.Progress);
                batch = await services.GetRequiredService<ImportRunner>().Run(batchId, progress, CancellationToken.None);
                task.Value = 1;
            });

        var seconds = (DateTime.UtcNow - started).TotalSeconds;
        var c = batch!.Counts;
        AnsiConsole.MarkupLineInterpolated(
            $"Import [bold]{batchId}[/] {batch.Status.ToString().ToLowerInvariant()}: {c.Rows:N0} rows in {seconds:F1} s ({c.Rows / Math.Max(0.001, seconds):N0} rows/s); {c.Created:N0} created, {c.Updated:N0} updated, {c.Skipped:N0} skipped, {c.Flagged:N0} flagged, {c.Duplicates:N0} duplicate, {c.Rejected:N0} rejected.");
        // The most this process held at once: a file is read as a stream, so it should not grow with the file.
        var peak = System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64;
        AnsiConsole.MarkupLineInterpolated($"Peak memory of this process: {peak / 1_048_576:N0} MB.");
        if (input.ReportFlag is { } reportFile)
            await System.IO.File.WriteAllTextAsync(reportFile, System.Text.Json.JsonSerializer.Serialize(
                new ImportRunReport(batchId, batch.Status.ToString().ToLowerInvariant(), c, seconds, peak),
                new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web) { WriteIndented = true }));
        if (batch.Failure is { } failure) AnsiConsole.MarkupLineInterpolated($"[red]{failure}[/]");
        var rejected = await services.GetRequiredService<ImportQueries>().Rows<RejectedRow>(batchId, ImportQueries.RowsRejected, null, 1, 20, CancellationToken.None);
        foreach (var row in rejected)
            AnsiConsole.MarkupLineInterpolated($"  row {row.Row}: {string.Join("; ", row.Errors.Select(e => e.Field.Length > 0 ? $"{e.Field}: {e.Reason}" : e.Reason))}");
        if (c.Rejected > rejected.Count) AnsiConsole.MarkupLineInterpolated($"  ... and {c.Rejected - rejected.Count:N0} more: GET /api/imports/{batchId}");
        return batch.Status == ImportStatus.Completed;
    }
}
