using Marten;

namespace EventCrm.Imports;

/// <summary>Decides a slice of rows: appends the customers' events to the session, answers what each row did.</summary>
public interface IRowImporter
{
    ImportFields Fields { get; }

    Task<(List<ImportedRow> Rows, List<RejectedRow> Rejected)> Decide(IDocumentSession session, IReadOnlyList<SourceRow> rows,
        ImportContext context, CancellationToken cancellation);

    /// <summary>The key of a row already known to be readable, for repeats across commits (and on resuming).</summary>
    string? KeyOf(SourceRow row, ImportContext context);
}
