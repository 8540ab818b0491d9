using EventCrm.Audit;

namespace EventCrm.Sales;

// Facts about leads, prospects before they are customers. Stored as they are: never rename or reshape one;
// add a new event instead.

/// <summary>A lead arrived. <paramref name="Origin"/> is the site a web-form lead was posted from (Origin, else Referer), when known.</summary>
public record LeadCaptured(
    string Name,
    string Email,
    string? Phone,
    string? Company,
    string Source,
    string? FormKey,
    string? UserAgent,
    string? Message,
    DateTimeOffset CapturedAt,
    string? Origin = null);

public record LeadQualified(DateTimeOffset At);

public record LeadDisqualified(string Reason, DateTimeOffset At);

/// <summary>The lead became (or was found to be) a customer, and an opportunity was opened for it.</summary>
public record LeadConverted(Guid CustomerId, bool NewCustomer, Guid OpportunityId, DateTimeOffset At);

/// <summary>
/// The lead's personal data is erased (GDPR art. 17): on its own, or because the customer it became was erased.
/// The name, contact details, company, message and user agent in the stream's earlier events are masked after
/// this is committed; <c>reason</c> records why (a reference, not personal data).
/// </summary>
public record LeadErased(string Reason, DateTimeOffset At) : IRecordsErasure;
