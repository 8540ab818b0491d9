using EventCrm.Audit;

namespace EventCrm.Sales;

// Facts about leads, prospects before they are customers. Stored as they are: never rename or reshape one;
// add a new event instead.

/// <summary>
/// A lead arrived. <paramref name="Origin"/> is the site a web-form lead was posted from (Origin, else Referer), when
/// known; <paramref name="Utm"/> holds the tags of the link it arrived by; <paramref name="SubscribeTo"/> names the
/// e-mail purpose (e.g. newsletter) a web-form lead asked for, pending its double opt-in. All three came later: older
/// events read them as unknown.
/// </summary>
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
    string? Origin = null,
    Utm? Utm = null,
    string? SubscribeTo = null);

public record LeadQualified(DateTimeOffset At);

public record LeadDisqualified(string Reason, DateTimeOffset At);

/// <summary>The lead became (or was found to be) a customer, and an opportunity was opened for it.</summary>
public record LeadConverted(Guid CustomerId, bool NewCustomer, Guid OpportunityId, DateTimeOffset At, Utm? Utm = null);

/// <summary>The double opt-in mail went to the lead's address, asking it to confirm the purpose it asked for.</summary>
public record LeadConsentConfirmationSent(string Purpose, string ConsentTextVersion, string MessageId, DateTimeOffset SentAt);

/// <summary>
/// The lead confirmed, from the link sent to its address, that it wants mail for the purpose: the evidence of its
/// consent (when, from which address and browser, to which wording).
/// </summary>
public record LeadConsentConfirmed(
    string Purpose,
    string Email,
    string ConsentTextVersion,
    string? IpAddress,
    string? UserAgent,
    DateTimeOffset ConfirmedAt);


/// <summary>
/// The lead's personal data is erased (GDPR art. 17): on its own, or because the customer it became was erased.
/// The name, contact details, company, message and user agent in the stream's earlier events are masked after
/// this is committed; <c>reason</c> records why (a reference, not personal data).
/// </summary>
public record LeadErased(string Reason, DateTimeOffset At) : IRecordsErasure;
