namespace EventCrm.Marketing;

// The suppression list, an address at a time. Addresses are kept only as SHA-256 hashes of their normalised form:
// the list must outlive a customer's erasure (an opt-out is honoured after the customer is forgotten) without
// keeping the address itself. Stored as they are: never rename or reshape one.

/// <summary>No marketing mail goes to the address any more, whatever its consents say.</summary>
public record AddressSuppressed(string AddressHash, SuppressionReason Reason, Guid? CampaignId, string Source, DateTimeOffset At);

/// <summary>The address may get marketing mail again (where consent allows): fixed, or suppressed by mistake.</summary>
public record AddressSuppressionLifted(string Reason, DateTimeOffset At);
