using System.Globalization;
using EventCrm.Customers;
using EventCrm.Infrastructure.Storage;
using EventCrm.Marketing;
using EventCrm.Sales;

namespace EventCrm.Analytics;

/// <summary>
/// The campaign facts for BI tools, as views over the kept tables (so they are always exactly as current as those,
/// and a rebuild of the tables rebuilds them):
/// <list type="bullet">
/// <item><c>analytics.campaign_touch_facts</c>: every touch with its campaign (a lead's UTM code resolved) and the
/// customer it counts for now (merged duplicates followed to their survivor).</item>
/// <item><c>analytics.attribution_facts</c>: per conversion × touch × model, the touch's credit and the revenue it
/// brings, under the API's defaults (a 30-day look-back, a 7-day half-life, the default touch kinds; docs/analytics.md).
/// The same rules as <see cref="Attribution"/>; a test compares the two.</item>
/// </list>
/// </summary>
public static class CampaignFactViews
{
    public const string TouchFacts = $"{AnalyticsSchema.Schema}.campaign_touch_facts";
    public const string AttributionFacts = $"{AnalyticsSchema.Schema}.attribution_facts";

    public const string Drop = $"drop view if exists {AttributionFacts}; drop view if exists {TouchFacts};";

    public static string Create(StoreNames names, string houseCurrency)
    {
        var seconds = (double value) => value.ToString("R", CultureInfo.InvariantCulture);
        var lookback = CampaignAttributionEndpoint.DefaultLookbackDays * 24;
        var halfLife = seconds(CampaignAttributionEndpoint.DefaultHalfLifeDays * 86400);
        var kinds = string.Join(", ", TouchKinds.AttributionDefault.Select(k => $"'{k}'"));
        var position = "case when n = 1 then 1.0 when n = 2 then 0.5 when i = 1 or i = n then 0.4 else 0.2 / (n - 2) end";
        return $"""
            create view {TouchFacts} as
            with recursive merged as (
                select distinct on (e.stream_id) e.stream_id as duplicate, (e.data ->> '{StoreNames.Json<CustomerMergedInto>(x => x.SurvivorId)}')::uuid as survivor
                from {names.Events} e where e.type = '{names.EventType<CustomerMergedInto>()}' order by e.stream_id, e.seq_id desc
            ), chain as (
                select duplicate, survivor, 1 as depth from merged
                union all
                select c.duplicate, m.survivor, c.depth + 1 from chain c join merged m on m.duplicate = c.survivor where c.depth < 64
            ), survivors as (
                select distinct on (duplicate) duplicate, survivor from chain order by duplicate, depth desc
            )
            select t.touch_id, t.sequence, coalesce(t.campaign_id, c.id) as campaign_id, k.data ->> '{StoreNames.Json<CampaignView>(v => v.Name)}' as campaign_name,
                   coalesce(s.survivor, t.customer_id) as customer_id, t.customer_id as recorded_customer_id, t.kind, t.touched_at,
                   t.recorded_at, t.bounced_at, t.cost, t.currency
            from {CampaignTouchFactProjection.Table} t
              left join {names.Table<CampaignView>()} c on t.campaign_id is null and c.{names.Column<CampaignView>(v => v.UtmCampaign)} = t.utm_campaign
              left join {names.Table<CampaignView>()} k on k.id = coalesce(t.campaign_id, c.id)
              left join survivors s on s.duplicate = t.customer_id
            where coalesce(t.campaign_id, c.id) is not null;

            create view {AttributionFacts} as
            with conversions as (
                select p.purchase_id, p.customer_id, p.amount, p.purchased_at,
                       (o.data ->> '{StoreNames.Json<OpportunityOpened>(x => x.OpenedAt)}')::timestamptz as opportunity_created_at,
                       (l.data ->> '{StoreNames.Json<LeadCaptured>(x => x.CapturedAt)}')::timestamptz as lead_created_at
                from {AnalyticsSchema.PurchaseFacts} p
                  left join {names.Events} o on o.stream_id = p.purchase_id and o.type = '{names.EventType<OpportunityOpened>()}'
                  left join {names.Events} l on l.stream_id = (o.data ->> '{StoreNames.Json<OpportunityOpened>(x => x.SourceLeadId)}')::uuid
                    and l.type = '{names.EventType<LeadCaptured>()}'
                where upper(p.currency) = '{houseCurrency.ToUpperInvariant()}'
            ), windowed as (
                select c.*, t.touch_id, t.campaign_id, t.campaign_name, t.kind, t.touched_at, t.sequence,
                       row_number() over (partition by c.purchase_id order by t.touched_at, t.sequence) as i,
                       count(*) over (partition by c.purchase_id) as n,
                       max(t.touched_at) over (partition by c.purchase_id) as last_at
                from conversions c
                  join {TouchFacts} t on t.customer_id = c.customer_id and t.kind in ({kinds}) and t.bounced_at is null
                    and t.touched_at <= c.purchased_at and t.touched_at >= c.purchased_at - interval '{lookback} hours'
            ), positioned as (
                select w.*,
                       max(i) filter (where touched_at <= lead_created_at) over (partition by purchase_id) as lead_i,
                       max(i) filter (where touched_at <= opportunity_created_at) over (partition by purchase_id) as opportunity_i,
                       power(2::float8, -extract(epoch from last_at - touched_at)::float8 / {halfLife}) as decay
                from windowed w
            ), shares as (
                select p.*, sum(decay) over (partition by purchase_id) as decay_total,
                       1 + (lead_i <> 1)::int + (opportunity_i <> 1 and opportunity_i <> lead_i)::int as held
                from positioned p
            ), credited as (
                select s.*, m.model, (case m.model
                    when 'first' then (i = 1)::int
                    when 'last' then (i = n)::int
                    when 'linear' then 1.0 / n
                    when 'position' then {position}
                    when 'time-decay' then decay / decay_total
                    else case when lead_i is null or opportunity_i is null then {position}
                        else 0.3 * ((i = 1)::int + (i = lead_i)::int + (i = opportunity_i)::int)
                           + case when held < n then case when i in (1, lead_i, opportunity_i) then 0 else 0.1 / (n - held) end
                                  else case when i in (1, lead_i, opportunity_i) then 0.1 / held else 0 end end end
                    end)::float8 as credit
                from shares s cross join (values ('first'), ('last'), ('linear'), ('position'), ('time-decay'), ('w-shaped')) as m(model)
            )
            select purchase_id, customer_id, purchased_at as converted_at, amount, model, touch_id, campaign_id, campaign_name, kind, touched_at,
                   sequence, i as touch_position, n as touches, credit, amount * credit::numeric as revenue
            from credited;
            """;
    }
}
