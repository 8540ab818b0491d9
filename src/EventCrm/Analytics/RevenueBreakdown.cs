using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace EventCrm.Analytics;

public record RevenueShare(string? Key, decimal Revenue, long Purchases, long Buyers, decimal Share);

public record RevenueBreakdown(string By, string Currency, DateOnly From, DateOnly To, decimal Total, IReadOnlyList<RevenueShare> Rows);

/// <summary>
/// Revenue in a period split by the product category or by who bought (the customer's country, region,
/// industry, acquisition source or segment), largest first, each with its share of the total.
/// </summary>
public static class RevenueBreakdownEndpoint
{
    private static readonly IReadOnlyDictionary<string, string> Keys = new Dictionary<string, string>
    {
        ["category"] = "p.category",
        ["country"] = "c.country",
        ["region"] = "c.region",
        ["industry"] = "c.industry",
        ["source"] = "c.acquisition_source",
        ["segment"] = CustomerFacts.Segment("p.customer_id"),
    };

    public static ProblemDetails Validate(string? by, string? chart, string? currency, [AsParameters] PeriodFilter period,
        [AsParameters] CustomerFilter filter, TimeProvider clock)
    {
        var errors = new FieldErrors().CheckCurrency(currency).CheckPeriod(period, clock.GetUtcNow()).CheckFilter(filter);
        if (by is null || !Keys.ContainsKey(by)) errors.Add("by", $"'by' is one of {string.Join(", ", Keys.Keys)}.");
        return errors.CheckChart(chart).ToProblem();
    }

    [WolverineGet("/api/analytics/revenue/breakdown", OperationId = "RevenueBreakdown", Summary = "Revenue by category, country, region, industry, source or segment",
        Description = "by=category|country|region|industry|source|segment (as last scored by the segments model); from/to, currency and customer filters as for the monthly revenue. JSON, CSV, or a bar (chart=bar) or pie (chart=pie) chart as PNG or SVG.")]
    [Authorize(Policy = Policies.AnalyticsRead)]
    [Tags("Analytics")]
    [ProducesResponseType(typeof(RevenueBreakdown), 200, "application/json", "text/csv", "image/png", "image/svg+xml")]
    public static async Task<IResult> Get(string by, string? chart, string? currency, PeriodFilter period,
        CustomerFilter filter, HttpContext http, NpgsqlDataSource database, CustomerRules rules, TimeProvider clock,
        CancellationToken cancellation)
    {
        var now = clock.GetUtcNow();
        var days = period.Resolve(now);
        var (start, end) = PeriodFilter.Instants(days);
        var money = currency?.Trim().ToUpperInvariant() ?? rules.HouseCurrency;

        await using var command = database.CreateCommand();
        var customers = filter.IsEmpty ? "" : $"and p.customer_id in (select customer_id from {CustomerFacts.View} where {CustomerFacts.Where(filter, command, now)})";
        command.CommandText = $"""
            select {Keys[by]}, sum(p.amount), count(*), count(distinct p.customer_id)
            from {AnalyticsSchema.PurchaseFacts} p left join {AnalyticsSchema.CustomerFacts} c on c.customer_id = p.customer_id
            where p.currency = @currency and p.purchased_at >= @start and p.purchased_at < @end {customers}
            group by 1 order by 2 desc, 1
            """;
        command.Parameters.AddWithValue("currency", money);
        command.Parameters.AddWithValue("start", start);
        command.Parameters.AddWithValue("end", end);

        var rows = new List<(string? Key, decimal Revenue, long Purchases, long Buyers)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellation))
            while (await reader.ReadAsync(cancellation))
                rows.Add((reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetDecimal(1), reader.GetInt64(2), reader.GetInt64(3)));

        var total = rows.Sum(r => r.Revenue);
        var result = new RevenueBreakdown(by, money, days.From, days.To, total,
            [.. rows.Select(r => new RevenueShare(r.Key, r.Revenue, r.Purchases, r.Buyers,
                total == 0 ? 0 : decimal.Round(r.Revenue / total, 4, MidpointRounding.AwayFromZero)))]);
        return Formats.Respond(http, result,
            () => new Table([by, "currency", "revenue", "purchases", "buyers", "share"],
                [.. result.Rows.Select(r => (IReadOnlyList<object?>)[r.Key, money, r.Revenue, r.Purchases, r.Buyers, r.Share])]),
            () => Charts.Breakdown(chart, $"Revenue by {by} ({money}, {days.From:yyyy-MM-dd} to {days.To:yyyy-MM-dd})", by,
                $"revenue ({money})", [.. result.Rows.Select(r => (r.Key ?? "unknown", (double)r.Revenue))]));
    }
}
