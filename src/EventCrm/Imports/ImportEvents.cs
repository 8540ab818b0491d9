using EventCrm.Customers;

namespace EventCrm.Imports;

public enum ImportKind { Customers, Purchases }

/// <summary>What a row that matches an existing customer (by e-mail, then phone) does.</summary>
public enum OnDuplicate { Skip, Update, Flag }

public enum RowOutcome
{
    /// <summary>A new customer, or a purchase recorded.</summary>
    Created,
    /// <summary>An existing customer changed.</summary>
    Updated,
    /// <summary>Matched an existing customer (or purchase) and nothing needed changing, or the policy said skip.</summary>
    Skipped,
    /// <summary>Matched an existing customer and left for a person to review.</summary>
    Flagged,
    /// <summary>The same row as an earlier one in the file, or the same customer as an earlier row.</summary>
    Duplicate,
}

public record ImportOptions(OnDuplicate OnDuplicate, string Culture, IReadOnlyDictionary<string, string> Mapping);

/// <summary>The file is stored and the batch begins; <paramref name="Columns"/> is how its header was read.</summary>
public record ImportStarted(
    ImportKind Kind,
    string FileName,
    string Format,
    long Bytes,
    string Sha256,
    ImportOptions Options,
    DateTimeOffset At);

public record ImportColumnsRead(IReadOnlyDictionary<string, string> Columns, IReadOnlyList<string> Ignored);

/// <summary>
/// What one row did. For an update, what the customer held before and what the import set, so a revert can
/// put back exactly what the import changed and leave alone what someone changed since.
/// </summary>
public record ImportedRow(
    int Row,
    RowOutcome Outcome,
    Guid? CustomerId = null,
    Guid? PurchaseId = null,
    string? Note = null,
    IReadOnlyList<string>? Changed = null,
    string? PhoneBefore = null,
    string? PhoneAfter = null,
    Demographics? DemographicsBefore = null,
    Demographics? DemographicsAfter = null,
    IReadOnlyList<string>? TagsAdded = null);

public record RowError(string Field, string Reason);

public record RejectedRow(int Row, IReadOnlyList<RowError> Errors);

/// <summary>A slice of the file done, committed together with the customers' events it caused.</summary>
public record ImportRowsProcessed(int LastRow, long BytesRead, IReadOnlyList<ImportedRow> Rows, IReadOnlyList<RejectedRow> Rejected);

public record ImportCounts(int Rows, int Created, int Updated, int Skipped, int Flagged, int Duplicates, int Rejected);

public record ImportCompleted(ImportCounts Counts, DateTimeOffset At);

/// <summary>The file could not be read as a whole (no usable header, not CSV or JSON); no row was applied.</summary>
public record ImportFailed(string Reason, DateTimeOffset At);

public record ImportRevertStarted(DateTimeOffset At);

/// <summary>Rows undone; <paramref name="Kept"/> are changes left in place because the customer changed them since.</summary>
public record ImportRowsReverted(int LastRow, IReadOnlyList<int> Reverted, IReadOnlyList<RevertKept> Kept);

public record RevertKept(int Row, Guid CustomerId, string Reason);

public record ImportReverted(int Reverted, int Kept, DateTimeOffset At);
