using EventCrm.Infrastructure;
using Marten;
using Wolverine;

namespace EventCrm.Marketing;

/// <summary>The A/B test's wait is over: decide which variant the rest of the audience gets.</summary>
public record ChooseCampaignWinner(Guid CampaignId);

/// <summary>
/// The winner is the variant with the highest rate among the test recipients it was sent to: clicks by default
/// (opens are inflated by mail privacy proxies that fetch every image), or opens; a tie goes to the variant first
/// in order. The decision, with every variant's figures, is an event; then the rest's batches are queued.
/// </summary>
public static class ChooseCampaignWinnerHandler
{
    public static async Task<OutgoingMessages> Handle(ChooseCampaignWinner choose, IDocumentSession session, TimeProvider clock,
        CancellationToken cancellation)
    {
        var stream = await session.Events.FetchForWriting<Campaign>(choose.CampaignId, cancellation);
        if (stream.Aggregate is not { Status: CampaignStatus.Running, IsAbTest: true, Winner: null, Frozen: not null } campaign) return [];

        var test = await session.Query<CampaignRecipientView>()
            .Where(v => v.CampaignId == campaign.Id && v.Group == RecipientGroup.Test).ToListAsync(cancellation);
        var results = Results(campaign, test);
        var metric = campaign.AbTest!.Metric;
        var winner = results.OrderByDescending(r => r.Rate).ThenBy(r => r.VariantId, StringComparer.Ordinal).First();
        var now = clock.GetUtcNow();
        var events = new List<object> { new CampaignWinnerChosen(winner.VariantId, metric, results, now) };
        if (Fold<Campaign>.Apply(campaign, events).SendingFinished) events.Add(new CampaignCompleted(now));
        stream.AppendMany(events);

        var messages = new OutgoingMessages();
        foreach (var batch in campaign.Frozen.Batches.Where(b => b.Group == RecipientGroup.Rest))
            messages.Add(new SendCampaignBatch(campaign.Id, batch.Number));
        return messages;
    }

    public static IReadOnlyList<VariantResult> Results(Campaign campaign, IReadOnlyList<CampaignRecipientView> test) =>
        [.. campaign.Variants.OrderBy(v => v.Id, StringComparer.Ordinal).Select(variant =>
        {
            var sent = test.Where(v => v.VariantId == variant.Id && v.SentAt is not null).ToList();
            var opened = sent.Count(v => v.FirstOpenedAt is not null);
            var clicked = sent.Count(v => v.FirstClickedAt is not null);
            var hits = campaign.AbTest!.Metric == WinnerMetric.Clicks ? clicked : opened;
            return new VariantResult(variant.Id, sent.Count, opened, clicked, sent.Count == 0 ? 0 : Math.Round((double)hits / sent.Count, 4));
        })];
}
