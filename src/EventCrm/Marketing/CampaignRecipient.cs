namespace EventCrm.Marketing;

public enum RecipientStatus { Reached, Skipped, Deferred, Sending, Sent, Bounced }

/// <summary>Why a recipient got no mail: each skip records one.</summary>
public static class SkipReasons
{
    public const string NoConsent = "no-consent";
    public const string Suppressed = "suppressed";
    public const string FrequencyCap = "frequency-cap";
    public const string NoAddress = "no-address";
    public const string NotActive = "not-active";
    public const string Cancelled = "campaign-cancelled";
    public const string Rejected = "rejected-by-relay";
}

/// <summary>
/// One customer in one campaign, as the sender and the tracking routes decide with it, folded from its stream by
/// <see cref="Create"/> and the <c>Apply</c> methods.
/// </summary>
public sealed record CampaignRecipient
{
    public Guid Id { get; init; }
    public int Version { get; init; }
    public Guid CampaignId { get; init; }
    public Guid CustomerId { get; init; }
    public RecipientGroup? Group { get; init; }
    public string? VariantId { get; init; }
    public int? Batch { get; init; }
    public RecipientStatus Status { get; init; }
    public string? MessageId { get; init; }
    public int Attempts { get; init; }
    public DateTimeOffset? LastAttemptAt { get; init; }

    /// <summary>The sender process of the last hand-over.</summary>
    public string? Claimant { get; init; }
    public DateTimeOffset? DeferredUntil { get; init; }
    public int SoftBounces { get; init; }
    public DateTimeOffset? RetryAt { get; init; }
    public bool Unsubscribed { get; init; }

    /// <summary>The stream of <paramref name="customer"/> in <paramref name="campaign"/>, named by both.</summary>
    public static Guid StreamId(Guid campaign, Guid customer) => NameBasedId.Of(Space, campaign, customer);

    private static readonly Guid Space = new("7d3c3f5e-7f0a-4c39-9a55-0c2f6b1e9a41");

    public static CampaignRecipient Create(CampaignRecipientAdded added) => new()
    {
        CampaignId = added.CampaignId,
        CustomerId = added.CustomerId,
        Group = added.Group,
        VariantId = added.VariantId,
        Batch = added.Batch,
    };

    public CampaignRecipient Apply(EmailSkipped _) => this with { Status = RecipientStatus.Skipped };

    public CampaignRecipient Apply(EmailDeferred deferred) => this with { Status = RecipientStatus.Deferred, DeferredUntil = deferred.Until };

    public CampaignRecipient Apply(EmailSending sending) => this with
    {
        Status = RecipientStatus.Sending,
        MessageId = sending.MessageId,
        VariantId = sending.VariantId,
        Attempts = sending.Attempt,
        LastAttemptAt = sending.At,
        Claimant = sending.Sender,
        RetryAt = null,
    };

    public CampaignRecipient Apply(EmailResentAfterCrash _) => this;

    public CampaignRecipient Apply(EmailSent _) => this with { Status = RecipientStatus.Sent };

    public CampaignRecipient Apply(EmailBounced bounced) => bounced.Kind == BounceKind.Hard
        ? this with { Status = RecipientStatus.Bounced, RetryAt = null }
        : this with { SoftBounces = SoftBounces + 1, RetryAt = bounced.RetryAt, Status = bounced.RetryAt is null ? RecipientStatus.Bounced : Status };

    public CampaignRecipient Apply(EmailOpened _) => this;

    public CampaignRecipient Apply(EmailLinkClicked _) => this;

    public CampaignRecipient Apply(EmailComplained _) => this;

    public CampaignRecipient Apply(RecipientUnsubscribed _) => this with { Unsubscribed = true };

    public CampaignRecipient Apply(TouchRecorded _) => this;
}
