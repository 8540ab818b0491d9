using EventCrm.Infrastructure.Storage;
using EventCrm.Sales;
using Microsoft.ML.Data;
using Npgsql;

namespace EventCrm.Models;

/// <summary>An opportunity as the win model sees it, as of its close (or now, while open).</summary>
public sealed class OpportunityFeatures
{
    [NoColumn] public Guid OpportunityId { get; set; }
    [NoColumn] public bool IsOpen { get; set; }
    [NoColumn] public decimal RawAmount { get; set; }
    [NoColumn] public string Currency { get; set; } = "";

    public float Amount { get; set; }
    public float DaysProspecting { get; set; }
    public float DaysQualification { get; set; }
    public float DaysProposal { get; set; }
    public float DaysNegotiation { get; set; }
    public float Activities { get; set; }
    public float Calls { get; set; }
    public float Meetings { get; set; }
    public float CustomerIncome { get; set; }
    public float CustomerAge { get; set; }
    public float CustomerPurchases { get; set; }
    public float CustomerSpend { get; set; }
    public string Source { get; set; } = "";
    public bool Won { get; set; }

    public static readonly string[] Numeric =
        [nameof(Amount), nameof(DaysProspecting), nameof(DaysQualification), nameof(DaysProposal), nameof(DaysNegotiation),
         nameof(Activities), nameof(Calls), nameof(Meetings), nameof(CustomerIncome), nameof(CustomerAge), nameof(CustomerPurchases), nameof(CustomerSpend)];

    public static readonly string[] Categorical = [nameof(Source)];
}

/// <summary>
/// Opportunities with the time they spent in each stage (from the pipeline's stored stage periods), the
/// activities logged on them before they closed, and their customer as of the day they were opened. As of
/// <c>now</c> (a run's start): an opportunity closed later is still open to it, and its customers' pasts are
/// what was recorded by then.
/// </summary>
public sealed class OpportunityFeatureReader(NpgsqlDataSource database, StoreNames names, CustomerHistories histories)
{
    private static string Entry(System.Linq.Expressions.Expression<Func<SalesPipelineEntry, object?>> member) => StoreNames.Json(member);
    private static string Activity(System.Linq.Expressions.Expression<Func<ActivityView, object?>> member) => StoreNames.Json(member);

    /// <summary>Closed opportunities (to learn from) or open ones (to score), or the one given.</summary>
    public Task<List<OpportunityFeatures>> Read(bool open, Guid? only, DateTimeOffset now, CancellationToken cancellation) =>
        Read(open, only, now, history: null, cancellation);

    /// <summary>The closed opportunities a training run learns from, their customers from the run's history.</summary>
    public Task<List<OpportunityFeatures>> Closed(RunHistory history, CancellationToken cancellation) =>
        Read(open: false, only: null, history.RecordedBy, history, cancellation);

    private async Task<List<OpportunityFeatures>> Read(bool open, Guid? only, DateTimeOffset now, RunHistory? history,
        CancellationToken cancellation)
    {
        await using var command = database.CreateCommand($"""
            with e as (
                select id, data, coalesce((data ->> '{Entry(x => x.ClosedAt)}')::timestamptz, $3) as until
                from {names.Table<SalesPipelineEntry>()}
                where (data ->> '{Entry(x => x.IsOpen)}')::boolean = $1 and ($2::uuid is null or id = $2)
                  and ($1 or (data ->> '{Entry(x => x.ClosedAt)}')::timestamptz <= $3)),
            a as (
                select (data ->> '{Activity(x => x.RegardingId)}')::uuid as opportunity,
                       (data ->> '{Activity(x => x.OccurredAt)}')::timestamptz as at, data ->> '{Activity(x => x.Kind)}' as kind
                from {names.Table<ActivityView>()}
                where data ->> '{Activity(x => x.RegardingType)}' = '{RegardingType.Opportunity}')
            select e.id, (e.data ->> '{Entry(x => x.CustomerId)}')::uuid, (e.data ->> '{Entry(x => x.Amount)}')::numeric,
                   e.data ->> '{Entry(x => x.Currency)}', e.data ->> '{Entry(x => x.Source)}',
                   (e.data ->> '{Entry(x => x.OpenedAt)}')::timestamptz, (e.data ->> '{Entry(x => x.ClosedAt)}')::timestamptz,
                   e.data ->> '{Entry(x => x.Outcome)}', e.data -> '{Entry(x => x.Periods)}',
                   count(a.opportunity), count(a.opportunity) filter (where a.kind = '{ActivityKind.Call}'),
                   count(a.opportunity) filter (where a.kind = '{ActivityKind.Meeting}')
            from e left join a on a.opportunity = e.id and a.at <= e.until
            group by e.id, e.data
            order by e.id
            """);
        command.Parameters.AddWithValue(open);
        command.Parameters.Add(new NpgsqlParameter<Guid?> { TypedValue = only });
        command.Parameters.AddWithValue(now);

        var raw = new List<(Guid Id, Guid Customer, decimal Amount, string Currency, string Source, DateTimeOffset Opened, DateTimeOffset? Closed,
            string? Outcome, List<PipelinePeriod> Periods, long Activities, long Calls, long Meetings)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellation))
            while (await reader.ReadAsync(cancellation))
                raw.Add((reader.GetGuid(0), reader.GetGuid(1), reader.GetDecimal(2), reader.GetString(3), reader.GetString(4),
                    reader.GetFieldValue<DateTimeOffset>(5), reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
                    reader.IsDBNull(7) ? null : reader.GetString(7),
                    System.Text.Json.JsonSerializer.Deserialize<List<PipelinePeriod>>(reader.GetString(8), Json)!,
                    reader.GetInt64(9), reader.GetInt64(10), reader.GetInt64(11)));

        IReadOnlyDictionary<Guid, CustomerPast> customers = history is not null ? await history.Pasts()
            : only is null || raw.Count == 0 ? await histories.Load(null, now, cancellation)
            : await histories.Load(raw[0].Customer, now, cancellation);
        return [.. raw.Select(o =>
        {
            var until = o.Closed ?? now;
            float Days(OpportunityStage stage) => (float)o.Periods.Where(p => p.Stage == stage)
                .Sum(p => ((p.To ?? until) - p.From).TotalDays);
            var customer = customers.TryGetValue(o.Customer, out var history) && !history.Gone ? CustomerFeatures.Of(history, o.Opened) : null;
            return new OpportunityFeatures
            {
                OpportunityId = o.Id,
                IsOpen = o.Closed is null,
                RawAmount = o.Amount,
                Currency = o.Currency,
                Amount = (float)Math.Log(1 + (double)o.Amount),
                DaysProspecting = Days(OpportunityStage.Prospecting),
                DaysQualification = Days(OpportunityStage.Qualification),
                DaysProposal = Days(OpportunityStage.Proposal),
                DaysNegotiation = Days(OpportunityStage.Negotiation),
                Activities = o.Activities,
                Calls = o.Calls,
                Meetings = o.Meetings,
                CustomerIncome = customer?.Income ?? float.NaN,
                CustomerAge = customer?.Age ?? float.NaN,
                CustomerPurchases = customer?.Frequency ?? 0,
                CustomerSpend = customer?.Monetary ?? 0,
                Source = o.Source,
                Won = o.Outcome == nameof(OpportunityStage.Won),
            };
        })];
    }

    /// <summary>How many opportunities are open: a run does not learn from them, and says so.</summary>
    public async Task<int> StillOpen(CancellationToken cancellation)
    {
        await using var command = database.CreateCommand(
            $"select count(*) from {names.Table<SalesPipelineEntry>()} where (data ->> '{Entry(x => x.IsOpen)}')::boolean");
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellation));
    }

    private static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };
}
