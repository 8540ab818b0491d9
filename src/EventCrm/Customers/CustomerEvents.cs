using EventCrm.Audit;

namespace EventCrm.Customers;

// Facts about a customer. Stored as they are: never rename or reshape one; add a new event (or an upcaster)
// instead. Optional members added later default to null so that older events still read.
// Members holding personal data are masked by CustomerErasure when the customer is erased.

public record CustomerRegistered(
    string Name,
    string? Email,
    string? Phone,
    DateTimeOffset RegisteredAt,
    Demographics? Demographics = null,
    string? AcquisitionSource = null,
    IReadOnlyList<string>? Tags = null);

public record ContactDetailsChanged(string? Email, string? Phone, DateTimeOffset ChangedAt);

public record DemographicsChanged(Demographics Demographics, DateTimeOffset ChangedAt);

public record TagsAdded(IReadOnlyList<string> Tags, DateTimeOffset At);

public record TagsRemoved(IReadOnlyList<string> Tags, DateTimeOffset At);

public record OwnerAssigned(string Owner, DateTimeOffset At);

public record OwnerUnassigned(DateTimeOffset At);

public record PurchaseRecorded(
    Guid PurchaseId,
    decimal Amount,
    string Currency,
    string Product,
    string Category,
    DateTimeOffset PurchasedAt);

/// <summary>
/// A recorded purchase no longer counts (a correction, or an import undone). The remaining purchases' first and
/// last times are stated so that read models need not keep every purchase to know them.
/// </summary>
public record PurchaseVoided(
    Guid PurchaseId,
    decimal Amount,
    string Currency,
    string Reason,
    DateTimeOffset? FirstPurchaseAt,
    DateTimeOffset? LastPurchaseAt,
    DateTimeOffset At);

public record ConsentGranted(ConsentChannel Channel, string Purpose, string Source, DateTimeOffset At);

public record ConsentWithdrawn(ConsentChannel Channel, string Purpose, string Source, DateTimeOffset At);

public record CustomerDeactivated(string? Reason, DateTimeOffset At);

public record CustomerReactivated(DateTimeOffset At);

/// <summary>The last event of a duplicate's stream: everything it knew now lives on the survivor.</summary>
public record CustomerMergedInto(Guid SurvivorId, DateTimeOffset At);

/// <summary>On the survivor: what it took over from the duplicate, so its own stream tells the whole story.</summary>
public record CustomerMerged(
    Guid DuplicateId,
    IReadOnlyList<PurchaseRecorded> Purchases,
    IReadOnlyList<string> Tags,
    IReadOnlyList<ConsentDecision> Consents,
    DateTimeOffset At);

/// <summary>
/// The right to erasure was exercised. Carries no personal data itself; the personal data in the stream's
/// earlier events is masked after this is committed.
/// </summary>
public record CustomerErased(string Reason, DateTimeOffset At) : IRecordsErasure;
