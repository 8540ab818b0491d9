using JasperFx.Events;
using Marten.Events.Aggregation;

namespace EventCrm.Imports;

public enum ImportStatus { Queued, Running, Completed, Failed, Reverting, Reverted }

/// <summary>
/// An import as its commands and its readers see it: status, progress and counts. The rows themselves (what
/// each did, why each rejected one was refused) stay in the batch's events and are read from there.
/// </summary>
public sealed class ImportBatch
{
    public Guid Id { get; set; }
    public int Version { get; set; }
    public ImportKind Kind { get; set; }
    public ImportStatus Status { get; set; }
    public string FileName { get; set; } = "";
    public string Format { get; set; } = "";
    public long Bytes { get; set; }
    public string Sha256 { get; set; } = "";
    public ImportOptions Options { get; set; } = new(OnDuplicate.Skip, "", new Dictionary<string, string>());
    public string? StartedBy { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public Dictionary<string, string> Columns { get; set; } = [];
    public List<string> IgnoredColumns { get; set; } = [];
    public int LastRow { get; set; }
    public long BytesRead { get; set; }
    public ImportCounts Counts { get; set; } = new(0, 0, 0, 0, 0, 0, 0);
    public string? Failure { get; set; }
    public int RevertedRows { get; set; }
    public int KeptRows { get; set; }
    public int LastRevertedRow { get; set; }
    public DateTimeOffset? RevertedAt { get; set; }

    /// <summary>How far the file has been read, 0 to 1.</summary>
    public double Progress => Status is ImportStatus.Queued ? 0 : Bytes == 0 || Status is not ImportStatus.Running ? 1 : Math.Min(1, (double)BytesRead / Bytes);
}

public partial class ImportBatchProjection : SingleStreamProjection<ImportBatch, Guid>
{
    public ImportBatch Create(IEvent<ImportStarted> started) => new()
    {
        Id = started.StreamId,
        Kind = started.Data.Kind,
        Status = ImportStatus.Queued,
        FileName = started.Data.FileName,
        Format = started.Data.Format,
        Bytes = started.Data.Bytes,
        Sha256 = started.Data.Sha256,
        Options = started.Data.Options,
        StartedBy = started.UserName,
        StartedAt = started.Data.At,
    };

    public void Apply(ImportColumnsRead read, ImportBatch batch)
    {
        batch.Status = ImportStatus.Running;
        batch.Columns = new Dictionary<string, string>(read.Columns);
        batch.IgnoredColumns = [.. read.Ignored];
    }

    public void Apply(ImportRowsProcessed processed, ImportBatch batch)
    {
        batch.Status = ImportStatus.Running;
        batch.LastRow = processed.LastRow;
        batch.BytesRead = processed.BytesRead;
        var c = batch.Counts;
        int Count(RowOutcome outcome) => processed.Rows.Count(r => r.Outcome == outcome);
        batch.Counts = new ImportCounts(
            c.Rows + processed.Rows.Count + processed.Rejected.Count,
            c.Created + Count(RowOutcome.Created),
            c.Updated + Count(RowOutcome.Updated),
            c.Skipped + Count(RowOutcome.Skipped),
            c.Flagged + Count(RowOutcome.Flagged),
            c.Duplicates + Count(RowOutcome.Duplicate),
            c.Rejected + processed.Rejected.Count);
    }

    public void Apply(ImportCompleted completed, ImportBatch batch)
    {
        batch.Status = ImportStatus.Completed;
        batch.Counts = completed.Counts;
        batch.BytesRead = batch.Bytes;
        batch.FinishedAt = completed.At;
    }

    public void Apply(ImportFailed failed, ImportBatch batch)
    {
        batch.Status = ImportStatus.Failed;
        batch.Failure = failed.Reason;
        batch.FinishedAt = failed.At;
    }

    public void Apply(ImportRevertStarted _, ImportBatch batch) => batch.Status = ImportStatus.Reverting;

    public void Apply(ImportRowsReverted reverted, ImportBatch batch)
    {
        batch.LastRevertedRow = reverted.LastRow;
        batch.RevertedRows += reverted.Reverted.Count;
        batch.KeptRows += reverted.Kept.Count;
    }

    public void Apply(ImportReverted reverted, ImportBatch batch)
    {
        batch.Status = ImportStatus.Reverted;
        batch.RevertedAt = reverted.At;
    }
}
