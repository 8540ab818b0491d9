namespace EventCrm.Marketing;

// What happened between one campaign and one customer: the stream is named by both (CampaignRecipient.StreamId), so
// a tracking link, a bounce or an imported touch finds it. Each event carries when it happened (its At); the
// event's timestamp says when it was recorded. Stored as they are: never rename or reshape one. No addresses are
// kept here: the customer's stream holds them, and erasure masks them there.

/// <summary>
/// The campaign reached the customer: as a frozen recipient (with its group, variant and batch), or through a touch
/// recorded for a channel the system does not deliver itself (group null).
/// </summary>
public record CampaignRecipientAdded(Guid CampaignId, Guid CustomerId, RecipientGroup? Group, string? VariantId, int? Batch,
    DateTimeOffset At);

/// <summary>No mail for this customer, and why: <see cref="SkipReasons"/>.</summary>
public record EmailSkipped(string Reason, DateTimeOffset At);

/// <summary>Held back until <c>Until</c> (quiet hours in the customer's time zone), then sent.</summary>
public record EmailDeferred(DateTimeOffset Until, string Reason, DateTimeOffset At);

/// <summary>
/// The hand-over to the relay started (recorded first, so a crash in the middle is known afterwards) by the sender
/// process <c>Sender</c>: the claim that keeps any other sender off this recipient.
/// </summary>
public record EmailSending(string MessageId, string VariantId, int Attempt, string Sender, DateTimeOffset At);

/// <summary>
/// The hand-over of <c>PreviousAttemptAt</c> was in flight when its sender stopped: the relay may have accepted it,
/// so this send may be the customer's second copy (with the same Message-ID, which lets mail clients drop it).
/// </summary>
public record EmailResentAfterCrash(string MessageId, int Attempt, DateTimeOffset PreviousAttemptAt, DateTimeOffset At);

/// <summary>The relay accepted the message.</summary>
public record EmailSent(string MessageId, DateTimeOffset At);

/// <summary>
/// The message bounced: <c>Hard</c> (the address does not work: suppressed from now on) or <c>Soft</c> (a full
/// mailbox, a busy server: retried at <c>RetryAt</c> unless the retries are used up). <c>Source</c> is dsn, webhook or smtp.
/// </summary>
public record EmailBounced(BounceKind Kind, string? Status, string? Diagnostic, string Source, DateTimeOffset? RetryAt, DateTimeOffset At);

public record EmailOpened(DateTimeOffset At);

/// <summary>A tracked link in the message was followed to <c>Url</c> (one that was in the message).</summary>
public record EmailLinkClicked(string Url, DateTimeOffset At);

/// <summary>The customer reported the message as spam (a feedback loop through the provider).</summary>
public record EmailComplained(string Source, DateTimeOffset At);

/// <summary>The customer unsubscribed from the campaign's purpose through the message's link or header.</summary>
public record RecipientUnsubscribed(string Purpose, DateTimeOffset At);

/// <summary>
/// A touch on a channel the system does not deliver itself (an ad impression or click, a social post, an event
/// visit), as reported, with what it cost where known.
/// </summary>
public record TouchRecorded(TouchKind Kind, DateTimeOffset At, decimal? Cost, string? Currency, string Source);
