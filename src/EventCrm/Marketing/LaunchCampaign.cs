using System.Buffers.Binary;
using System.Security.Cryptography;
using EventCrm.Infrastructure;
using Marten;
using Microsoft.Extensions.Options;
using Npgsql;
using Wolverine;

namespace EventCrm.Marketing;

/// <summary>A campaign's start, scheduled for <c>StartAt</c> (durable: it fires after a restart too).</summary>
public record LaunchCampaign(Guid CampaignId, DateTimeOffset StartAt);

/// <summary>
/// Starts a scheduled campaign: freezes its audience as it stands (holdout drawn, A/B groups assigned, recipients
/// recorded a batch an event) and, for e-mail, queues the batches to send now (the A/B test's, or all) and the
/// winner's decision. A launch for a campaign that is no longer scheduled for that time does nothing.
/// </summary>
public static class LaunchCampaignHandler
{
    public static async Task<OutgoingMessages> Handle(LaunchCampaign launch, IDocumentSession session, NpgsqlDataSource database,
        IOptions<MarketingRules> options, TimeProvider clock, CancellationToken cancellation)
    {
        var stream = await session.Events.FetchForWriting<Campaign>(launch.CampaignId, cancellation);
        if (stream.Aggregate is not { Status: CampaignStatus.Scheduled } campaign || campaign.StartAt != launch.StartAt) return [];

        var now = clock.GetUtcNow();
        var events = new List<object> { new CampaignStarted(now) };
        if (campaign.AudienceId is not { } audience)
        {
            stream.AppendMany(events);
            return [];
        }
        var members = await AudienceMembership.Current(database, audience, null, cancellation);
        var (frozen, batches) = Freeze(campaign, audience, members, RandomNumberGenerator.GetInt32(int.MaxValue),
            options.Value.Sending.BatchSize, Guid.CreateVersion7(), now);
        events.Add(frozen);
        if (batches.Count > 0) session.Events.StartStream(frozen.RecipientsStream, [.. batches]);

        var after = Fold<Campaign>.Apply(campaign, events);
        var messages = new OutgoingMessages();
        if (campaign.Channel == CampaignChannel.Email)
        {
            if (after.SendingFinished) events.Add(new CampaignCompleted(now)); // nobody to send to
            foreach (var batch in frozen.Batches.Where(b => b.Group == (campaign.IsAbTest ? RecipientGroup.Test : RecipientGroup.Rest)))
                messages.Add(new SendCampaignBatch(campaign.Id, batch.Number));
            if (campaign.IsAbTest)
                messages.Add(new ChooseCampaignWinner(campaign.Id).ScheduledAt(now + campaign.AbTest!.WinnerAfter));
        }
        stream.AppendMany(events);
        return messages;
    }

    /// <summary>
    /// The audience frozen: members ordered by a hash of the seed and their id (reproducible from the recorded seed),
    /// the first <c>HoldoutShare</c> held back, then (in an A/B test) the next <c>TestShare</c> of the rest dealt to
    /// the variants in turn, and the rest; each group in batches of <paramref name="batchSize"/>, in id order.
    /// </summary>
    public static (AudienceFrozen Frozen, IReadOnlyList<RecipientsFrozen> Batches) Freeze(Campaign campaign, Guid audience,
        IReadOnlyCollection<Guid> members, int seed, int batchSize, Guid recipientsStream, DateTimeOffset now)
    {
        var order = members.OrderBy(id => Draw(seed, id)).ThenBy(id => id).ToList();
        var holdout = (int)Math.Round(order.Count * campaign.HoldoutShare, MidpointRounding.AwayFromZero);
        var rest = order.Skip(holdout).ToList();
        var groups = new List<(RecipientGroup Group, string? Variant, List<Guid> Customers)> { (RecipientGroup.Holdout, null, order.Take(holdout).ToList()) };
        if (campaign.Channel == CampaignChannel.Email && campaign.IsAbTest)
        {
            var test = (int)Math.Round(rest.Count * campaign.AbTest!.TestShare, MidpointRounding.AwayFromZero);
            var variants = campaign.Variants.OrderBy(v => v.Id, StringComparer.Ordinal).ToList();
            for (var v = 0; v < variants.Count; v++)
                groups.Add((RecipientGroup.Test, variants[v].Id, rest.Take(test).Where((_, i) => i % variants.Count == v).ToList()));
            groups.Add((RecipientGroup.Rest, null, rest.Skip(test).ToList()));
        }
        else
            groups.Add((RecipientGroup.Rest, campaign.Channel == CampaignChannel.Email ? campaign.Variants.FirstOrDefault()?.Id : null, rest));

        var batches = new List<RecipientsFrozen>();
        foreach (var (group, variant, customers) in groups)
        {
            customers.Sort();
            foreach (var chunk in customers.Chunk(Math.Max(1, batchSize)))
                batches.Add(new RecipientsFrozen(campaign.Id, batches.Count + 1, group, variant, chunk, now));
        }
        var frozen = new AudienceFrozen(audience, recipientsStream, members.Count, holdout, campaign.HoldoutShare, seed,
            [.. batches.Select(b => new FrozenBatch(b.Batch, b.Group, b.VariantId, b.Customers.Count))], now);
        return (frozen, batches);
    }

    /// <summary>A member's place in the draw: the first 8 bytes of SHA-256(seed, id).</summary>
    public static ulong Draw(int seed, Guid id)
    {
        Span<byte> input = stackalloc byte[20];
        BinaryPrimitives.WriteInt32BigEndian(input, seed);
        id.TryWriteBytes(input[4..], bigEndian: true, out _);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input, hash);
        return BinaryPrimitives.ReadUInt64BigEndian(hash);
    }
}
