using EventCrm.Customers;
using Marten;
using Microsoft.Extensions.Options;

namespace EventCrm.Marketing;

public enum MailEventKind { HardBounce, SoftBounce, Complaint }

/// <summary>
/// What came back about a message we sent, from a delivery status notification, the mail provider's webhook or a
/// complaint report: the message is named by its Message-ID, which names campaign and customer and is tagged by us.
/// </summary>
public record RecordMailEvent(string MessageId, MailEventKind Kind, string? Status, string? Diagnostic, string Source, DateTimeOffset? At = null);

/// <summary>
/// A hard bounce or a complaint suppresses the address from then on; a soft bounce is counted and retried (by the
/// resume check, when due) until the retries are used up. A Message-ID that is not ours is ignored.
/// </summary>
public static class RecordMailEventHandler
{
    public static async Task Handle(RecordMailEvent message, IDocumentSession session, LinkTokens links, IOptions<MarketingRules> options,
        TimeProvider clock, ILogger<RecordMailEvent> logger, CancellationToken cancellation)
    {
        if (links.RecipientOf(message.MessageId) is not var (campaign, customer))
        {
            logger.LogWarning("A {Kind} named a message that is not ours: {MessageId}", message.Kind, message.MessageId);
            return;
        }
        var streamId = CampaignRecipient.StreamId(campaign, customer);
        var stream = await session.Events.FetchForWriting<CampaignRecipient>(streamId, cancellation);
        if (stream.Aggregate is not { } recipient) return;
        var now = clock.GetUtcNow();
        var at = message.At ?? now;
        var rules = options.Value.Sending;
        var email = (await session.LoadAsync<CustomerProfile>(customer, cancellation))?.Email;

        switch (message.Kind)
        {
            case MailEventKind.HardBounce when recipient.Status != RecipientStatus.Bounced:
                stream.AppendOne(new EmailBounced(BounceKind.Hard, message.Status, message.Diagnostic, message.Source, null, at));
                if (email is not null) await Bounces.Suppress(session, email, SuppressionReason.HardBounce, campaign, message.Source, at, cancellation);
                break;
            case MailEventKind.SoftBounce when recipient.Status != RecipientStatus.Bounced:
                var retryAt = recipient.SoftBounces < rules.SoftBounceRetries ? now + rules.SoftBounceRetryAfter : (DateTimeOffset?)null;
                stream.AppendOne(new EmailBounced(BounceKind.Soft, message.Status, message.Diagnostic, message.Source, retryAt, at));
                break;
            case MailEventKind.Complaint:
                stream.AppendOne(new EmailComplained(message.Source, at));
                if (email is not null) await Bounces.Suppress(session, email, SuppressionReason.Complaint, campaign, message.Source, at, cancellation);
                break;
        }
    }
}

public static class Bounces
{
    /// <summary>Puts the address on the suppression list (nothing when it is on it already).</summary>
    public static async Task Suppress(IDocumentSession session, string email, SuppressionReason reason, Guid? campaign, string source,
        DateTimeOffset at, CancellationToken cancellation)
    {
        var id = Suppression.StreamOf(email);
        var current = await session.LoadAsync<SuppressionEntry>(id, cancellation);
        if (current is { Active: true }) return;
        var suppressed = new AddressSuppressed(Suppression.HashOf(email), reason, campaign, source, at);
        if (current is null) session.Events.StartStream<Suppression>(id, suppressed);
        else session.Events.Append(id, suppressed);
    }
}
