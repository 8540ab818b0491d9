using Marten;
using Microsoft.Extensions.Options;
using Wolverine;

namespace EventCrm.Marketing;

/// <summary>
/// Every node looks, every <c>Marketing:Sending:ResumeCheckEvery</c>, for e-mail campaigns that stopped making progress
/// (nothing sent, skipped or claimed for longer than the in-flight lease, and nobody waiting for quiet hours to end)
/// and queues their unfinished batches again: a node that crashed in the middle of a batch takes no recipient with
/// it. Soft bounces whose retry is due, and A/B decisions whose time has passed, are queued the same way. Queuing
/// twice is harmless: the sender claims each recipient before it sends.
/// </summary>
public sealed class ResumeInterruptedSends(IDocumentStore store, IServiceScopeFactory scopes, IOptions<MarketingRules> options,
    TimeProvider clock, ILogger<ResumeInterruptedSends> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.Value.Sending.ResumeCheckEvery, stoppingToken);
                await Check(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
            catch (Exception e)
            {
                logger.LogWarning(e, "The check for interrupted sends failed; it runs again shortly");
            }
        }
    }

    /// <summary>What is due now, queued; the messages it sent, for the tests and the log.</summary>
    public async Task<IReadOnlyList<object>> Check(CancellationToken cancellation)
    {
        var rules = options.Value.Sending;
        var now = clock.GetUtcNow();
        var messages = new List<object>();
        await using var session = store.QuerySession();
        var running = await session.Query<CampaignView>()
            .Where(c => c.Status == CampaignStatus.Running && c.Channel == CampaignChannel.Email).Select(c => c.Id).ToListAsync(cancellation);
        foreach (var id in running)
        {
            var campaign = await session.Events.AggregateStreamAsync<Campaign>(id, token: cancellation);
            if (campaign?.Frozen is not { } frozen) continue;
            var recipients = session.Query<CampaignRecipientView>().Where(v => v.CampaignId == id);
            if (await recipients.AnyAsync(v => v.Status == RecipientStatus.Deferred && v.DeferredUntil > now, cancellation)) continue;
            var lastActivity = await recipients.AnyAsync(cancellation)
                ? await recipients.MaxAsync(v => v.LastActivityAt, cancellation)
                : frozen.At;
            if (campaign.Winner is null && campaign.IsAbTest && frozen.At + campaign.AbTest!.WinnerAfter + rules.InFlightLease <= now)
                messages.Add(new ChooseCampaignWinner(id));
            if (Max(lastActivity, frozen.At) + rules.InFlightLease > now) continue;
            messages.AddRange(campaign.SendableBatches
                .Where(b => !campaign.BatchesSent.Contains(b.Number) && campaign.VariantFor(b) is not null)
                .Select(b => new SendCampaignBatch(id, b.Number)));
        }

        var retries = await session.Query<CampaignRecipientView>()
            .Where(v => v.RetryAt != null && v.RetryAt <= now && v.Status == RecipientStatus.Sent).Take(1_000).ToListAsync(cancellation);
        messages.AddRange(retries.Select(v => new RetryEmail(v.CampaignId, v.CustomerId)));

        if (messages.Count == 0) return messages;
        await using var scope = scopes.CreateAsyncScope();
        var bus = scope.ServiceProvider.GetRequiredService<IMessageBus>();
        foreach (var message in messages) await bus.PublishAsync(message);
        logger.LogInformation("Resumed {Count} interrupted or due sends", messages.Count);
        return messages;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
