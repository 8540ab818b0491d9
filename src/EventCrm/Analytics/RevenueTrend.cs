using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace EventCrm.Analytics;

/// <param name="Complete">False for a month that is not over yet (the current one): its figures are so far.</param>
public record RevenueMonth(string Month, decimal Revenue, long Purchases, long Buyers, bool Complete = true);

public record RevenueTrend(string Currency, DateOnly From, DateOnly To, IReadOnlyList<RevenueMonth> Months);

/// <summary>
/// Revenue, purchases and distinct buyers per calendar month (UTC) in one currency, from
/// <c>analytics.purchase_facts</c>; months without purchases are there with zeros, so a line has no gaps.
/// </summary>
public static class RevenueTrendEndpoint
{
    public static ProblemDetails Validate(string? currency, [AsParameters] PeriodFilter period, [AsParameters] CustomerFilter filter,
        TimeProvider clock) =>
        new FieldErrors().CheckCurrency(currency).CheckPeriod(period, clock.GetUtcNow()).CheckFilter(filter).ToProblem();

    [WolverineGet("/api/analytics/revenue/monthly", OperationId = "RevenueTrend", Summary = "Revenue and purchases per month",
        Description = "from/to (yyyy-MM-dd, default the last twelve months), currency (default the house currency) and the customer filters of describe. JSON, CSV, or a line chart as PNG or SVG.")]
    [Authorize(Policy = Policies.AnalyticsRead)]
    [Tags("Analytics")]
    [ProducesResponseType(typeof(RevenueTrend), 200, "application/json", "text/csv", "image/png", "image/svg+xml")]
    public static async Task<IResult> Get(string? currency, PeriodFilter period, CustomerFilter filter,
        HttpContext http, NpgsqlDataSource database, CustomerRules rules, TimeProvider clock, CancellationToken cancellation)
    {
        var now = clock.GetUtcNow();
        var days = period.Resolve(now);
        var (start, end) = PeriodFilter.Instants(days);
        var money = currency?.Trim().ToUpperInvariant() ?? rules.HouseCurrency;

        await using var command = database.CreateCommand();
        var customers = filter.IsEmpty ? "" : $"and p.customer_id in (select customer_id from {CustomerFacts.View} where {CustomerFacts.Where(filter, command, now)})";
        command.CommandText = $"""
            select to_char(p.purchased_at at time zone 'UTC', 'YYYY-MM'), sum(p.amount), count(*), count(distinct p.customer_id)
            from {AnalyticsSchema.PurchaseFacts} p
            where p.currency = @currency and p.purchased_at >= @start and p.purchased_at < @end {customers}
            group by 1
            """;
        command.Parameters.AddWithValue("currency", money);
        command.Parameters.AddWithValue("start", start);
        command.Parameters.AddWithValue("end", end);

        var found = new Dictionary<string, RevenueMonth>();
        await using (var reader = await command.ExecuteReaderAsync(cancellation))
            while (await reader.ReadAsync(cancellation))
                found[reader.GetString(0)] = new RevenueMonth(reader.GetString(0), reader.GetDecimal(1), reader.GetInt64(2), reader.GetInt64(3));

        var months = PeriodFilter.Months(days);
        var complete = PeriodFilter.CompleteMonths(days, now);
        var result = new RevenueTrend(money, days.From, days.To,
            [.. months.Select((m, i) => (found.GetValueOrDefault(m) ?? new RevenueMonth(m, 0, 0, 0)) with { Complete = i < complete })]);
        return Formats.Respond(http, result,
            () => new Table(["month", "currency", "revenue", "purchases", "buyers", "complete"],
                [.. result.Months.Select(m => (IReadOnlyList<object?>)[m.Month, money, m.Revenue, m.Purchases, m.Buyers, m.Complete])]),
            () => Charts.Lines($"Revenue per month ({money}, {days.From:yyyy-MM-dd} to {days.To:yyyy-MM-dd})", months,
                $"revenue ({money})", [("revenue", [.. result.Months.Select(m => (double?)m.Revenue)])],
                ("purchases", [.. result.Months.Select(m => (double?)m.Purchases)]), complete));
    }
}
