using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using EventCrm.Infrastructure.Storage;
using EventCrm.Marketing;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace EventCrm.Analytics;

/// <summary>
/// What one campaign is credited with under one model: conversions (fractional), the revenue they bring, its cost
/// in the house currency (null, with <c>CostNote</c>, when some of it is in another currency), ROI = (revenue − cost)
/// / cost and cost per conversion.
/// </summary>
public record AttributedCampaign(Guid CampaignId, string Name, double Conversions, decimal Revenue, decimal? Cost, double? Roi,
    decimal? CostPerConversion, string? CostNote);

/// <summary>One model's answer: the campaigns it credits, largest revenue first, and the conversions no touch preceded.</summary>
public record ModelAttribution(string Model, double AttributedConversions, decimal AttributedRevenue, long UnattributedConversions,
    decimal UnattributedRevenue, IReadOnlyList<AttributedCampaign> Campaigns);

public record AttributionReport(
    DateOnly From,
    DateOnly To,
    int LookbackDays,
    double HalfLifeDays,
    DateTimeOffset? AsOf,
    IReadOnlyList<string> TouchKinds,
    string Currency,
    long Conversions,
    decimal Revenue,
    IReadOnlyList<ModelAttribution> Models);

/// <summary>
/// Which campaigns brought the purchases: every conversion in the period (a purchase in the house currency, not
/// voided) is shared among its customer's touches in the look-back before it by the chosen model, or by all of them
/// side by side. With <c>asOf</c>, the answer is what the store held then (by record time); the period, the look-back
/// and the half-life are in business time.
/// </summary>
public static class CampaignAttributionEndpoint
{
    public const string DefaultModel = "linear";
    public const int DefaultLookbackDays = 30;
    public const double DefaultHalfLifeDays = 7;
    public const int MaxDays = 365;

    /// <summary>What the chart draws per campaign and model.</summary>
    public static readonly IReadOnlyList<string> ChartMeasures = ["revenue", "conversions", "roi"];

    public static ProblemDetails Validate(string? model, [AsParameters] PeriodFilter period, int? lookbackDays, double? halfLifeDays,
        DateTimeOffset? asOf, string? touchKinds, string? chart, TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        var errors = new FieldErrors().CheckPeriod(period, now);
        if (chart is not null && !ChartMeasures.Contains(chart))
            errors.Add("chart", $"'chart' is one of {string.Join(", ", ChartMeasures)}.");
        if (model is not null && !Attribution.Names.ContainsKey(model.Trim()))
            errors.Add("model", $"'model' is one of {string.Join(", ", Attribution.Names.Keys)}.");
        if (lookbackDays is < 0 or > MaxDays) errors.Add("lookbackDays", $"'lookbackDays' is a whole number of days from 0 to {MaxDays}.");
        if (halfLifeDays is { } halfLife && !(halfLife > 0 && halfLife <= MaxDays))
            errors.Add("halfLifeDays", $"'halfLifeDays' is a number of days more than 0 and at most {MaxDays}.");
        if (asOf > now + Paging.ClockSkew) errors.Add("asOf", $"'asOf' {asOf:O} is in the future; the store is known up to now.");
        foreach (var unknown in Kinds(touchKinds).Except(TouchKinds.All))
            errors.Add("touchKinds", $"'{unknown}' is not a touch kind; the kinds are {string.Join(", ", TouchKinds.All)}.");
        return errors.ToProblem();
    }

    [WolverineGet("/api/analytics/attribution", OperationId = "GetCampaignAttribution", Summary = "Conversions and revenue credited to campaigns by an attribution model",
        Description = "model=first|last|linear|position|time-decay|w-shaped (default linear), or compare=true for all side by side; from/to (days, default the last twelve months), lookbackDays (default 30), halfLifeDays (time-decay, default 7), touchKinds (comma-separated: delivered, open, click, impression, visit, attended, reply, lead; default all but delivered and impression), asOf (what the store held then). Per campaign: conversions (fractional), revenue, cost, ROI and cost per conversion. JSON, text/csv, or as image/png or image/svg+xml grouped bars comparing the models per campaign (compare=true) of chart=revenue (default), conversions or roi.")]
    [Authorize(Policy = Policies.MarketingRead)]
    [Tags("Analytics", "Marketing")]
    [ProducesResponseType(typeof(AttributionReport), 200, "application/json", "text/csv", "image/png", "image/svg+xml")]
    public static async Task<IResult> Get(string? model, PeriodFilter period, int? lookbackDays, double? halfLifeDays, DateTimeOffset? asOf,
        string? touchKinds, bool? compare, string? chart, HttpContext http, IQuerySession session, NpgsqlDataSource database, StoreNames names,
        CustomerRules rules, TimeProvider clock, CancellationToken cancellation)
    {
        var days = period.Resolve(clock.GetUtcNow());
        var (start, end) = PeriodFilter.Instants(days);
        var kinds = Kinds(touchKinds).ToHashSet();
        IReadOnlyList<string> counted = kinds.Count == 0 ? TouchKinds.AttributionDefault : [.. TouchKinds.All.Where(kinds.Contains)];
        var models = compare is true
            ? Attribution.Names.ToList()
            : [Attribution.Names.Single(n => n.Key.Equals((model ?? DefaultModel).Trim(), StringComparison.OrdinalIgnoreCase))];
        var currency = rules.HouseCurrency;

        var lookback = TimeSpan.FromDays(lookbackDays ?? DefaultLookbackDays);
        // Each read is timed for the Server-Timing header: what an analyst (or a benchmark) sees of where the time goes.
        var timing = new System.Collections.Concurrent.ConcurrentQueue<string>();
        async Task<T> Timed<T>(string name, Func<Task<T>> read)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var result = await read();
            timing.Enqueue($"{name};dur={watch.Elapsed.TotalMilliseconds:0.0}");
            return result;
        }
        var survivors = await Timed("merges", () => CampaignHistory.Survivors(database, names, asOf, cancellation));
        // Today's answer reads the purchase facts; a past one folds the purchase events up to its cut.
        // Independent reads, each on a connection of its own, at once. The wins' positions only for the W-shaped model,
        // the only one that reads them: on two cores a read nobody needs slows the others down.
        var reading = Timed("conversions", async () => asOf is null
            ? await CampaignHistory.CurrentConversions(database, currency, survivors, start, end, cancellation)
            : await CampaignHistory.ConversionColumnsAsOf(database, names, currency, asOf, survivors, start, end, cancellation));
        // Each customer's touches are put in window order as soon as they are read, while the other reads go on.
        var touching = Timed("touches", async () =>
            CustomerTouches.Of(await CampaignHistory.TouchColumns(database, names, asOf, survivors, start - lookback, end, counted, cancellation)));
        var costing = Timed("costs", () => CampaignHistory.Costs(database, names, currency, asOf, cancellation));
        var positioning = models.Any(m => m.Value == AttributionModel.WShaped)
            ? Timed("positions", () => CampaignHistory.Positions(database, names, null, asOf, cancellation))
            : Task.FromResult<IReadOnlyDictionary<Guid, (DateTimeOffset? LeadCreatedAt, DateTimeOffset OpportunityCreatedAt)>>(
                new Dictionary<Guid, (DateTimeOffset? LeadCreatedAt, DateTimeOffset OpportunityCreatedAt)>());
        var (conversions, touches, costs, positions) = (await reading, await touching, await costing, await positioning);

        var crediting = System.Diagnostics.Stopwatch.StartNew();
        var credited = Credit(models, conversions, touches, positions, lookback, TimeSpan.FromDays(halfLifeDays ?? DefaultHalfLifeDays));
        timing.Enqueue($"credit;dur={crediting.Elapsed.TotalMilliseconds:0.0}");
        http.Response.Headers["Server-Timing"] = string.Join(", ", timing);
        var ids = credited.SelectMany(m => m.Value.Campaigns.Keys).Distinct().ToArray();
        var campaigns = (await session.LoadManyAsync<CampaignView>(cancellation, ids)).ToDictionary(c => c.Id);

        var report = new AttributionReport(days.From, days.To, lookbackDays ?? DefaultLookbackDays, halfLifeDays ?? DefaultHalfLifeDays, asOf,
            counted, currency, conversions.Count, conversions.Revenue(),
            [.. credited.Select(m => Answer(m.Key, m.Value, campaigns, costs, currency))]);
        return Formats.Respond(http, report, () => Table(report), () => Chart(report, chart ?? ChartMeasures[0]));
    }

    /// <summary>
    /// The models side by side per campaign (grouped bars, one colour per model), for the campaigns with the most
    /// revenue under any model; ROI only where the cost is known.
    /// </summary>
    public static ScottPlot.Plot Chart(AttributionReport report, string measure)
    {
        var campaigns = report.Models.SelectMany(m => m.Campaigns)
            .GroupBy(c => c.CampaignId)
            .Select(g => (Id: g.Key, g.First().Name, Revenue: g.Max(c => c.Revenue)))
            .OrderByDescending(c => c.Revenue).ThenBy(c => c.Name, StringComparer.Ordinal).ThenBy(c => c.Id)
            .Take(Charts.MaxBars).ToList();
        double Value(AttributedCampaign? row) => row is null ? 0 : measure switch
        {
            "conversions" => row.Conversions,
            "roi" => row.Roi ?? 0,
            _ => (double)row.Revenue,
        };
        var label = measure switch { "conversions" => "conversions credited", "roi" => "ROI", _ => $"revenue ({report.Currency})" };
        var plot = Charts.GroupedBars($"Attribution by model: {label}, {report.From:yyyy-MM-dd} to {report.To:yyyy-MM-dd}", "campaign", label,
            [.. campaigns.Select(c => c.Name.Length > 24 ? c.Name[..23] + "…" : c.Name)],
            [.. report.Models.Select(m => (m.Model, (IReadOnlyList<double>)[.. campaigns.Select(c => Value(m.Campaigns.FirstOrDefault(r => r.CampaignId == c.Id)))]))]);
        if (campaigns.Count == 0) plot.Add.Text("No conversion in the period was preceded by a touch.", 0, 0).LabelFontSize = 18;
        return plot;
    }

    /// <summary>What one model credits each campaign with, and the conversions no touch preceded.</summary>
    public sealed record Credits(IReadOnlyDictionary<Guid, (double Conversions, decimal Revenue)> Campaigns, long Unattributed, decimal UnattributedRevenue);

    /// <summary>
    /// What each model credits each campaign with (pure: no store, no clock): the sums of <see cref="Attribution.Shares(AttributionModel, IReadOnlyList{AttributionTouch}, AttributionConversion, TimeSpan)"/>
    /// over the conversions in their order, each campaign in the order it was first credited. Over columns and without an
    /// object per conversion or touch: at a million touches, the allocations were most of the crediting's time.
    /// </summary>
    /// <remarks>
    /// In three steps, so that the cores share the work and the sums stay exactly those of one conversion after the
    /// other: each conversion's window is cut, and then each of its touches' share and revenue worked out, by chunks of
    /// conversions side by side (each conversion on its own, written to its own places); then each model adds its
    /// credits up per campaign in the conversions' order, the models side by side. Cutting a window was most of the
    /// work: a customer's touches are somewhere else in memory for every conversion.
    /// </remarks>
    public static IReadOnlyList<KeyValuePair<string, Credits>> Credit(IReadOnlyList<KeyValuePair<string, AttributionModel>> models,
        ConversionColumns conversions, CustomerTouches touches,
        IReadOnlyDictionary<Guid, (DateTimeOffset? LeadCreatedAt, DateTimeOffset OpportunityCreatedAt)> positions, TimeSpan lookback, TimeSpan halfLife)
    {
        var (at, campaignOf, first) = (touches.At, touches.Campaign, touches.First);
        var chosen = models.Select(m => m.Value).ToArray();
        var positioned = chosen.Contains(AttributionModel.WShaped);
        var count = conversions.Count;
        const int chunk = 16_384;
        var chunks = (count + chunk - 1) / chunk;

        // Each conversion's window among its customer's touches (none when the customer has no touch).
        var windowStart = new int[count];
        var windowLength = new int[count];
        Parallel.For(0, chunks, c =>
        {
            for (var k = c * chunk; k < Math.Min(count, (c + 1) * chunk); k++)
                if (touches.Customers.TryGetValue(conversions.CustomerIds[k], out var customer))
                {
                    var (start, length) = Attribution.Window(at.AsSpan(first[customer], first[customer + 1] - first[customer]), conversions.At[k], lookback);
                    (windowStart[k], windowLength[k]) = (start + first[customer], length);
                }
        });

        // Where each conversion's credits go among all of them, in the conversions' order; the conversions no touch preceded.
        var firstSlot = new int[count + 1];
        var (unattributed, unattributedRevenue) = (0L, 0m);
        for (var k = 0; k < count; k++)
        {
            firstSlot[k + 1] = firstSlot[k] + windowLength[k];
            if (windowLength[k] == 0) (unattributed, unattributedRevenue) = (unattributed + 1, unattributedRevenue + conversions.Amounts[k]);
        }
        var slots = firstSlot[count];

        // Each credit's campaign, and its share and revenue under each model.
        var campaignOfSlot = new int[slots];
        var shareOf = new double[chosen.Length][];
        var revenueOf = new decimal[chosen.Length][];
        for (var m = 0; m < chosen.Length; m++) (shareOf[m], revenueOf[m]) = (new double[slots], new decimal[slots]);
        Parallel.For(0, chunks, c =>
        {
            var shares = new double[16];
            for (var k = c * chunk; k < Math.Min(count, (c + 1) * chunk); k++)
            {
                var (start, length, slot) = (windowStart[k], windowLength[k], firstSlot[k]);
                if (length == 0) continue;
                Array.Copy(campaignOf, start, campaignOfSlot, slot, length);
                var amount = conversions.Amounts[k];
                var (lead, opportunity) = positioned && positions.TryGetValue(conversions.PurchaseIds[k], out var p)
                    ? (p.LeadCreatedAt, (DateTimeOffset?)p.OpportunityCreatedAt) : (null, null);
                if (shares.Length < length) shares = new double[Math.Max(length, shares.Length * 2)];
                var window = at.AsSpan(start, length);
                for (var m = 0; m < chosen.Length; m++)
                {
                    var mine = shares.AsSpan(0, length);
                    mine.Clear();
                    Attribution.Shares(chosen[m], window, lead, opportunity, halfLife, mine);
                    var share = shareOf[m].AsSpan(slot, length);
                    var revenue = revenueOf[m].AsSpan(slot, length);
                    for (var i = 0; i < length; i++)
                    {
                        share[i] = mine[i];
                        // The same share brings the same amount (every touch's under the linear model): worked out once.
                        revenue[i] = i > 0 && BitConverter.DoubleToInt64Bits(mine[i]) == BitConverter.DoubleToInt64Bits(mine[i - 1])
                            ? revenue[i - 1] : amount * (decimal)mine[i];
                    }
                }
            }
        });

        // Each model's sums per campaign, credit after credit in the conversions' order; the campaigns in the order first credited.
        var sums = new double[chosen.Length][];
        var revenues = new decimal[chosen.Length][];
        var firstCredited = new List<int>();
        Parallel.For(0, chosen.Length + 1, m =>
        {
            if (m == chosen.Length)
            {
                var credited = new bool[touches.Campaigns.Count];
                foreach (var campaign in campaignOfSlot)
                    if (!credited[campaign])
                    {
                        credited[campaign] = true;
                        firstCredited.Add(campaign);
                    }
                return;
            }
            var (sum, revenue) = (new double[touches.Campaigns.Count], new decimal[touches.Campaigns.Count]);
            var (share, brought) = (shareOf[m], revenueOf[m]);
            for (var i = 0; i < slots; i++)
            {
                sum[campaignOfSlot[i]] += share[i];
                revenue[campaignOfSlot[i]] += brought[i];
            }
            (sums[m], revenues[m]) = (sum, revenue);
        });
        return [.. models.Select((model, m) =>
        {
            var campaigns = new Dictionary<Guid, (double Conversions, decimal Revenue)>(firstCredited.Count);
            foreach (var c in firstCredited) campaigns[touches.Campaigns[c]] = (sums[m][c], revenues[m][c]);
            return new KeyValuePair<string, Credits>(model.Key, new Credits(campaigns, unattributed, unattributedRevenue));
        })];
    }

    private static ModelAttribution Answer(string model, Credits credits, IReadOnlyDictionary<Guid, CampaignView> campaigns,
        IReadOnlyDictionary<Guid, CampaignCosts> costs, string currency)
    {
        var rows = credits.Campaigns.Select(c =>
        {
            var conversions = Math.Round(c.Value.Conversions, 6, MidpointRounding.AwayFromZero);
            var revenue = Money(c.Value.Revenue);
            var cost = costs.GetValueOrDefault(c.Key) ?? new CampaignCosts(0, new HashSet<string>());
            var note = cost.OtherCurrencies.Count > 0
                ? $"Costs in {string.Join(", ", cost.OtherCurrencies.Order())} are left out: there is no exchange rate to {currency}."
                : null;
            decimal? known = note is null ? cost.House : null;
            return new AttributedCampaign(c.Key, campaigns.TryGetValue(c.Key, out var campaign) ? campaign.Name : "",
                conversions, revenue, known,
                known is > 0 ? Math.Round((double)((revenue - known.Value) / known.Value), 6, MidpointRounding.AwayFromZero) : null,
                known is { } spent && conversions > 0 ? Money(spent / (decimal)conversions) : null, note);
        }).OrderByDescending(r => r.Revenue).ThenBy(r => r.Name, StringComparer.Ordinal).ThenBy(r => r.CampaignId).ToList();
        return new ModelAttribution(model, Math.Round(credits.Campaigns.Values.Sum(v => v.Conversions), 6, MidpointRounding.AwayFromZero),
            Money(credits.Campaigns.Values.Sum(v => v.Revenue)), credits.Unattributed, credits.UnattributedRevenue, rows);
    }

    private static decimal Money(decimal amount) => decimal.Round(amount, 4, MidpointRounding.AwayFromZero);

    /// <summary>The kinds named in <c>touchKinds</c>, lower-case, blanks left out.</summary>
    private static IEnumerable<string> Kinds(string? touchKinds) =>
        (touchKinds ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(k => k.ToLowerInvariant()).Distinct();

    public static Table Table(AttributionReport report) => new(
        ["model", "campaignId", "campaign", "conversions", "revenue", "cost", "currency", "roi", "costPerConversion"],
        [.. report.Models.SelectMany(m => m.Campaigns.Select(c => (IReadOnlyList<object?>)
                [m.Model, c.CampaignId, c.Name, c.Conversions, c.Revenue, c.Cost, report.Currency, c.Roi, c.CostPerConversion])
            .Append([m.Model, null, "(no touch)", (double)m.UnattributedConversions, m.UnattributedRevenue, null, report.Currency, null, null]))]);
}
