using JasperFx.Events;
using Marten.Events.Aggregation;

namespace EventCrm.Marketing;

/// <summary>
/// One customer in one campaign as reports, the frequency cap and the timeline read it (inline). The campaign's
/// figures are counts over these.
/// </summary>
public sealed class CampaignRecipientView
{
    public Guid Id { get; set; }
    public Guid CampaignId { get; set; }
    public Guid CustomerId { get; set; }
    public RecipientGroup? Group { get; set; }
    public string? VariantId { get; set; }
    public int? Batch { get; set; }
    public RecipientStatus Status { get; set; }
    public string? SkipReason { get; set; }
    public string? MessageId { get; set; }
    public int Attempts { get; set; }
    public bool ResentAfterCrash { get; set; }
    public DateTimeOffset? DeferredUntil { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    public BounceKind? Bounce { get; set; }
    public int SoftBounces { get; set; }

    /// <summary>When a soft-bounced message is due to be tried again.</summary>
    public DateTimeOffset? RetryAt { get; set; }
    public DateTimeOffset? FirstOpenedAt { get; set; }
    public int Opens { get; set; }
    public DateTimeOffset? FirstClickedAt { get; set; }
    public int Clicks { get; set; }
    public DateTimeOffset? UnsubscribedAt { get; set; }
    public DateTimeOffset? ComplainedAt { get; set; }
    public Dictionary<TouchKind, int> Touches { get; set; } = [];
    public decimal TouchCost { get; set; }
    public DateTimeOffset ReachedAt { get; set; }
    public DateTimeOffset LastActivityAt { get; set; }
}

public partial class CampaignRecipientViewProjection : SingleStreamProjection<CampaignRecipientView, Guid>
{
    public CampaignRecipientView Create(IEvent<CampaignRecipientAdded> added) => new()
    {
        Id = added.StreamId,
        CampaignId = added.Data.CampaignId,
        CustomerId = added.Data.CustomerId,
        Group = added.Data.Group,
        VariantId = added.Data.VariantId,
        Batch = added.Data.Batch,
        ReachedAt = added.Data.At,
        LastActivityAt = added.Data.At,
    };

    public void Apply(EmailSkipped skipped, CampaignRecipientView view)
    {
        (view.Status, view.SkipReason) = (RecipientStatus.Skipped, skipped.Reason);
        view.LastActivityAt = skipped.At;
    }

    public void Apply(EmailDeferred deferred, CampaignRecipientView view)
    {
        (view.Status, view.DeferredUntil) = (RecipientStatus.Deferred, deferred.Until);
        view.LastActivityAt = deferred.At;
    }

    public void Apply(EmailSending sending, CampaignRecipientView view)
    {
        (view.Status, view.MessageId, view.VariantId, view.Attempts) = (RecipientStatus.Sending, sending.MessageId, sending.VariantId, sending.Attempt);
        view.RetryAt = null;
        view.LastActivityAt = sending.At;
    }

    public void Apply(EmailResentAfterCrash resent, CampaignRecipientView view)
    {
        view.ResentAfterCrash = true;
        view.LastActivityAt = resent.At;
    }

    public void Apply(EmailSent sent, CampaignRecipientView view)
    {
        view.Status = RecipientStatus.Sent;
        view.SentAt ??= sent.At;
        view.LastActivityAt = sent.At;
    }

    public void Apply(EmailBounced bounced, CampaignRecipientView view)
    {
        if (bounced.Kind == BounceKind.Soft) view.SoftBounces++;
        view.RetryAt = bounced.Kind == BounceKind.Soft ? bounced.RetryAt : null;
        if (bounced.Kind == BounceKind.Hard || bounced.RetryAt is null)
        {
            view.Status = RecipientStatus.Bounced;
            view.Bounce = bounced.Kind;
        }
        view.LastActivityAt = bounced.At;
    }

    public void Apply(EmailOpened opened, CampaignRecipientView view)
    {
        view.FirstOpenedAt ??= opened.At;
        view.Opens++;
        view.LastActivityAt = opened.At;
    }

    public void Apply(EmailLinkClicked clicked, CampaignRecipientView view)
    {
        view.FirstClickedAt ??= clicked.At;
        view.Clicks++;
        // A click means the message was opened, whether or not the pixel loaded.
        view.FirstOpenedAt ??= clicked.At;
        view.LastActivityAt = clicked.At;
    }

    public void Apply(EmailComplained complained, CampaignRecipientView view)
    {
        view.ComplainedAt ??= complained.At;
        view.LastActivityAt = complained.At;
    }

    public void Apply(RecipientUnsubscribed unsubscribed, CampaignRecipientView view)
    {
        view.UnsubscribedAt ??= unsubscribed.At;
        view.LastActivityAt = unsubscribed.At;
    }

    public void Apply(TouchRecorded touch, CampaignRecipientView view)
    {
        view.Touches[touch.Kind] = view.Touches.GetValueOrDefault(touch.Kind) + 1;
        view.TouchCost += touch.Cost ?? 0;
        if (touch.At > view.LastActivityAt) view.LastActivityAt = touch.At;
    }
}
