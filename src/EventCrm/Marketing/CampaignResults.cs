using EventCrm.Infrastructure.Storage;
using Marten;
using Npgsql;

namespace EventCrm.Marketing;

/// <summary>A variant's figures among the recipients it was sent to.</summary>
public record VariantFigures(string VariantId, long Sent, long Opened, long Clicked);

/// <summary>
/// A campaign's figures. <c>Expected</c> is the frozen audience less its holdout; <c>Cancelled</c> those skipped
/// (no consent, suppressed, capped); <c>Delivered</c> = sent − bounced; and the ratios as Odoo's mass mailing computes
/// them: a percentage of (expected − cancelled), so received = (sent − bounced) / (expected − cancelled).
/// </summary>
public record CampaignFigures(
    Guid CampaignId,
    string Name,
    CampaignChannel Channel,
    CampaignStatus Status,
    long Audience,
    long Holdout,
    long Expected,
    long Cancelled,
    long Pending,
    long Sent,
    long Delivered,
    long Bounced,
    long HardBounced,
    long SoftBounced,
    long Opened,
    long Clicked,
    long Unsubscribed,
    long Complaints,
    long ResentAfterCrash,
    double ReceivedRatio,
    double OpenedRatio,
    double ClickedRatio,
    double BouncedRatio,
    double UnsubscribedRatio,
    decimal? Budget,
    decimal Cost,
    string Currency,
    IReadOnlyDictionary<string, long> SkippedBy,
    IReadOnlyDictionary<string, long> Touches,
    IReadOnlyList<VariantFigures> Variants,
    string? Winner);

public static class CampaignResults
{
    public static async Task<CampaignFigures?> For(Guid campaignId, IQuerySession session, NpgsqlDataSource database, StoreNames names,
        CancellationToken cancellation)
    {
        var campaign = await session.LoadAsync<CampaignView>(campaignId, cancellation);
        if (campaign is null) return null;

        var table = names.Table<CampaignRecipientView>();
        string Key(System.Linq.Expressions.Expression<Func<CampaignRecipientView, object?>> member) => $"d.data ->> '{StoreNames.Json(member)}'";
        var serializer = session.DocumentStore.Options.Serializer();
        string Enum<T>(T value) where T : struct, System.Enum => serializer.ToJson(value).Trim('"');
        var campaignColumn = names.Column<CampaignRecipientView>(v => v.CampaignId);
        var frozen = $"{Key(v => v.Group)} is not null";

        await using var batch = database.CreateBatch();
        var totals = new NpgsqlBatchCommand($"""
            select
              count(*) filter (where {frozen} and {Key(v => v.Status)} = $2),
              count(*) filter (where {frozen} and {Key(v => v.SentAt)} is not null),
              count(*) filter (where {frozen} and {Key(v => v.Status)} = $3),
              count(*) filter (where {frozen} and {Key(v => v.Bounce)} = $4),
              count(*) filter (where {frozen} and ({Key(v => v.SoftBounces)})::int > 0),
              count(*) filter (where {frozen} and {Key(v => v.FirstOpenedAt)} is not null),
              count(*) filter (where {frozen} and {Key(v => v.FirstClickedAt)} is not null),
              count(*) filter (where {Key(v => v.UnsubscribedAt)} is not null),
              count(*) filter (where {Key(v => v.ComplainedAt)} is not null),
              count(*) filter (where ({Key(v => v.ResentAfterCrash)})::boolean),
              coalesce(sum(({Key(v => v.TouchCost)})::numeric), 0)
            from {table} d where d.{campaignColumn} = $1
            """);
        totals.Parameters.Add(new NpgsqlParameter { Value = campaignId });
        totals.Parameters.Add(new NpgsqlParameter { Value = Enum(RecipientStatus.Skipped) });
        totals.Parameters.Add(new NpgsqlParameter { Value = Enum(RecipientStatus.Bounced) });
        totals.Parameters.Add(new NpgsqlParameter { Value = Enum(BounceKind.Hard) });
        var skipped = new NpgsqlBatchCommand($"""
            select {Key(v => v.SkipReason)}, count(*) from {table} d
            where d.{campaignColumn} = $1 and {Key(v => v.SkipReason)} is not null group by 1 order by 1
            """);
        skipped.Parameters.Add(new NpgsqlParameter { Value = campaignId });
        var touches = new NpgsqlBatchCommand($"""
            select t.key, sum(t.value::bigint) from {table} d, jsonb_each_text(d.data -> '{StoreNames.Json<CampaignRecipientView>(v => v.Touches)}') t
            where d.{campaignColumn} = $1 group by 1 order by 1
            """);
        touches.Parameters.Add(new NpgsqlParameter { Value = campaignId });
        var variants = new NpgsqlBatchCommand($"""
            select {Key(v => v.VariantId)},
                   count(*) filter (where {Key(v => v.SentAt)} is not null),
                   count(*) filter (where {Key(v => v.SentAt)} is not null and {Key(v => v.FirstOpenedAt)} is not null),
                   count(*) filter (where {Key(v => v.SentAt)} is not null and {Key(v => v.FirstClickedAt)} is not null)
            from {table} d where d.{campaignColumn} = $1 and {frozen} and {Key(v => v.VariantId)} is not null group by 1 order by 1
            """);
        variants.Parameters.Add(new NpgsqlParameter { Value = campaignId });
        foreach (var command in new[] { totals, skipped, touches, variants }) batch.BatchCommands.Add(command);

        await using var reader = await batch.ExecuteReaderAsync(cancellation);
        await reader.ReadAsync(cancellation);
        var t = Enumerable.Range(0, 10).Select(reader.GetInt64).ToArray();
        var touchCost = reader.GetDecimal(10);
        var (cancelled, sent, bounced, hard, soft, opened, clicked, unsubscribed, complaints, resent) = (t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9]);
        await reader.NextResultAsync(cancellation);
        var skippedBy = new Dictionary<string, long>();
        while (await reader.ReadAsync(cancellation)) skippedBy[reader.GetString(0)] = reader.GetInt64(1);
        await reader.NextResultAsync(cancellation);
        var touchCounts = new Dictionary<string, long>();
        while (await reader.ReadAsync(cancellation)) touchCounts[reader.GetString(0)] = reader.GetInt64(1);
        await reader.NextResultAsync(cancellation);
        var byVariant = new List<VariantFigures>();
        while (await reader.ReadAsync(cancellation))
            byVariant.Add(new VariantFigures(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)));

        long audience = campaign.FrozenMembers ?? 0, holdout = campaign.Holdout ?? 0;
        var expected = campaign.Channel == CampaignChannel.Email ? audience - holdout : 0;
        var delivered = sent - bounced;
        double total = Math.Max(1, expected - cancelled);
        double Ratio(long count) => Math.Round(100.0 * count / total, 2);
        return new CampaignFigures(campaign.Id, campaign.Name, campaign.Channel, campaign.Status, audience, holdout, expected, cancelled,
            Math.Max(0, expected - cancelled - sent), sent, delivered, bounced, hard, soft, opened, clicked, unsubscribed, complaints, resent,
            Ratio(delivered), Ratio(opened), Ratio(clicked), Ratio(bounced), Ratio(unsubscribed),
            campaign.Budget, campaign.CostTotal + touchCost, campaign.Currency, skippedBy, touchCounts, byVariant, campaign.Winner);
    }
}
