using JasperFx.Core;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Runtime.Handlers;

namespace EventCrm.Marketing;

/// <summary>One batch of a campaign's frozen recipients to send (durable: kept in PostgreSQL until handled).</summary>
public record SendCampaignBatch(Guid CampaignId, int Batch);

/// <summary>A soft-bounced recipient's next attempt.</summary>
public record RetryEmail(Guid CampaignId, Guid CustomerId);

/// <summary>
/// The sending queue's handlers: a batch goes through <see cref="CampaignSender"/>; one that is still waiting (quiet
/// hours, a recipient another sender holds) comes back at the time it waits for. A failure (the relay down, the
/// process stopping) is retried with a cool-down; a batch left unfinished is picked up by the resume check.
/// </summary>
public static class SendCampaignBatchHandler
{
    public static void Configure(HandlerChain chain) =>
        chain.OnAnyException().RetryWithCooldown(1.Seconds(), 5.Seconds(), 30.Seconds());

    public static async Task<OutgoingMessages> Handle(SendCampaignBatch message, CampaignSender sender, CancellationToken cancellation)
    {
        var progress = await sender.SendBatch(message.CampaignId, message.Batch, cancellation);
        return progress is { Done: false, ResumeAt: { } at } ? [message.ScheduledAt(at)] : [];
    }
}

public static class RetryEmailHandler
{
    public static void Configure(HandlerChain chain) =>
        chain.OnAnyException().RetryWithCooldown(1.Seconds(), 5.Seconds(), 30.Seconds());

    public static Task Handle(RetryEmail message, CampaignSender sender, CancellationToken cancellation) =>
        sender.Retry(message.CampaignId, message.CustomerId, cancellation);
}
