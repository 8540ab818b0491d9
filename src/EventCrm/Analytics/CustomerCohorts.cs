using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using ScottPlot;
using Wolverine.Http;

namespace EventCrm.Analytics;

/// <summary>What a cohort did in one month: <paramref name="Offset"/> months after the one it began in.</summary>
public record CohortMonth(int Offset, string Month, long Buyers, decimal Revenue, double Retention);

public record Cohort(string Month, long Customers, IReadOnlyList<CohortMonth> Months);

public record CohortTable(string Currency, DateOnly From, DateOnly To, IReadOnlyList<Cohort> Cohorts);

/// <summary>
/// Customers grouped by the month (UTC) they became customers (<c>customer_since</c>: the registration, or the
/// first purchase when that came first, as for customers imported without a registration date), and what each
/// cohort bought in every month since, up to the current one: buyers, revenue, and the share of the cohort that
/// bought (retention). Business time throughout; months without purchases are there with zeros.
/// </summary>
public static class CustomerCohortsEndpoint
{
    public static ProblemDetails Validate(string? currency, [AsParameters] PeriodFilter period, [AsParameters] CustomerFilter filter,
        TimeProvider clock) =>
        new FieldErrors().CheckCurrency(currency).CheckPeriod(period, clock.GetUtcNow()).CheckFilter(filter).ToProblem();

    [WolverineGet("/api/analytics/customers/cohorts", OperationId = "CustomerCohorts", Summary = "Cohorts by the month customers began, and what each bought since",
        Description = "from/to (yyyy-MM-dd, default the last twelve months) choose the cohorts by customerSince (registration, or first purchase when earlier); each is followed to the current month. Currency (default the house currency) and the customer filters of describe. JSON, CSV, or a retention heatmap as PNG or SVG.")]
    [Authorize(Policy = Policies.AnalyticsRead)]
    [Tags("Analytics")]
    [ProducesResponseType(typeof(CohortTable), 200, "application/json", "text/csv", "image/png", "image/svg+xml")]
    public static async Task<IResult> Get(string? currency, PeriodFilter period, CustomerFilter filter,
        HttpContext http, NpgsqlDataSource database, CustomerRules rules, TimeProvider clock, CancellationToken cancellation)
    {
        var now = clock.GetUtcNow();
        var days = period.Resolve(now);
        var (start, end) = PeriodFilter.Instants(days);
        var money = currency?.Trim().ToUpperInvariant() ?? rules.HouseCurrency;

        await using var command = database.CreateCommand();
        var where = CustomerFacts.Where(filter, command, now);
        command.CommandText = $"""
            with c as (
                select customer_id, date_trunc('month', customer_since at time zone 'UTC') as cohort
                from {CustomerFacts.View}
                where customer_since >= @start and customer_since < @end and {where}),
            sizes as (select cohort, count(*) as customers from c group by cohort),
            bought as (
                select c.cohort, date_trunc('month', p.purchased_at at time zone 'UTC') as month,
                       count(distinct p.customer_id) as buyers, sum(p.amount) as revenue
                from c join {AnalyticsSchema.PurchaseFacts} p on p.customer_id = c.customer_id
                where p.currency = @currency
                group by 1, 2)
            select to_char(s.cohort, 'YYYY-MM'), s.customers, to_char(b.month, 'YYYY-MM'), b.buyers, b.revenue
            from sizes s left join bought b on b.cohort = s.cohort
            """;
        command.Parameters.AddWithValue("start", start);
        command.Parameters.AddWithValue("end", end);
        command.Parameters.AddWithValue("currency", money);

        var sizes = new Dictionary<string, long>();
        var bought = new Dictionary<(string Cohort, string Month), (long Buyers, decimal Revenue)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellation))
            while (await reader.ReadAsync(cancellation))
            {
                sizes[reader.GetString(0)] = reader.GetInt64(1);
                if (!reader.IsDBNull(2)) bought[(reader.GetString(0), reader.GetString(2))] = (reader.GetInt64(3), reader.GetDecimal(4));
            }

        var current = new DateOnly(now.UtcDateTime.Year, now.UtcDateTime.Month, 1);
        var cohorts = PeriodFilter.Months(days).Select(cohort =>
        {
            var customers = sizes.GetValueOrDefault(cohort);
            var first = DateOnly.ParseExact(cohort + "-01", "yyyy-MM-dd");
            var months = new List<CohortMonth>();
            for (var (offset, month) = (0, first); month <= current; (offset, month) = (offset + 1, month.AddMonths(1)))
            {
                var key = month.ToString("yyyy-MM");
                var (buyers, revenue) = bought.GetValueOrDefault((cohort, key));
                months.Add(new CohortMonth(offset, key, buyers, revenue, customers == 0 ? 0 : Math.Round((double)buyers / customers, 4)));
            }
            return new Cohort(cohort, customers, months);
        }).ToList();

        var result = new CohortTable(money, days.From, days.To, cohorts);
        return Formats.Respond(http, result,
            () => new Table(["cohort", "customers", "offset", "month", "currency", "buyers", "revenue", "retention"],
                [.. cohorts.SelectMany(c => c.Months.Select(m =>
                    (IReadOnlyList<object?>)[c.Month, c.Customers, m.Offset, m.Month, money, m.Buyers, m.Revenue, m.Retention]))]),
            () => Chart(result));
    }

    /// <summary>Retention as a triangle: a row per cohort (earliest at the top), a column per month since it began.</summary>
    private static Plot Chart(CohortTable table)
    {
        var rows = table.Cohorts.Count;
        var columns = Math.Max(1, table.Cohorts.Select(c => c.Months.Count).DefaultIfEmpty(0).Max());
        var values = new double[Math.Max(1, rows), columns];
        for (var i = 0; i < values.GetLength(0); i++)
            for (var j = 0; j < columns; j++)
                values[i, j] = i < rows && j < table.Cohorts[i].Months.Count && table.Cohorts[i].Customers > 0
                    ? table.Cohorts[i].Months[j].Retention
                    : double.NaN;

        var plot = new Plot();
        plot.Title($"Cohorts by the month they began ({table.From:yyyy-MM} to {table.To:yyyy-MM}): share buying each month ({table.Currency})");
        if (Charts.NothingToDraw(plot, values, "No customers in these cohorts.")) return plot;
        var heatmap = plot.Add.Heatmap(values);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.ManualRange = new ScottPlot.Range(0, 1);
        plot.Add.ColorBar(heatmap).Label = "share of the cohort buying";
        var step = Math.Max(1, (int)Math.Ceiling(columns / 24.0));
        Charts.Labels(plot, [.. Enumerable.Range(0, columns).Select(j => j % step == 0 ? j.ToString() : "")]);
        var every = Math.Max(1, (int)Math.Ceiling(rows / 24.0));
        plot.Axes.Left.SetTicks([.. Enumerable.Range(0, rows).Select(i => (double)(rows - 1 - i))],
            [.. table.Cohorts.Select((c, i) => i % every == 0 ? c.Month : "")]);
        plot.XLabel("months since the cohort began");
        plot.YLabel("cohort");
        return plot;
    }
}
