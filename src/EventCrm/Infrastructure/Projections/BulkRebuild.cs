namespace EventCrm.Infrastructure.Projections;

/// <summary>
/// A projection of events into documents of <typeparamref name="T"/> whose every event stores or deletes whole
/// documents and reads nothing: its state after any run of events is the last write per document. A rebuild folds
/// the events through the projection's own code into those last writes in memory and writes them in bulk (COPY and
/// one statement), where a replay wrote each event's document with its own upsert.
/// </summary>
public interface IWritesWholeDocuments<in T>
{
    Guid IdOf(T document);
}

/// <summary>
/// Rows that triggers keep from a read model's documents, row by row (the analytics fact tables). A rebuild that
/// writes many documents in one transaction turns those triggers off in it and brings the rows up to date set-wise
/// instead, with the same result: what the triggers would have written for the same documents.
/// </summary>
public interface IRowsKeptFromDocuments
{
    /// <summary>A query run first in a transaction: the triggers leave the rows alone until it ends.</summary>
    string Defer { get; }

    /// <summary>
    /// Statements that bring the rows kept from documents of <paramref name="document"/> to what their table holds:
    /// for the documents whose ids are in the uuid array <paramref name="ids"/> (a parameter's placeholder), or for
    /// the whole table when it is null. Nothing when no rows are kept from that type.
    /// </summary>
    IReadOnlyList<string> Follow(Type document, string? ids);
}
