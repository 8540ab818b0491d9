using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using EventCrm.Sales;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace EventCrm.Analytics;

public record OpportunityFigures(string? Key, long Open, decimal OpenAmount, decimal WeightedAmount, long Won, decimal WonAmount,
    long Lost, decimal? WinRate);

public record OpportunityBreakdown(string By, string Currency, DateOnly? From, DateOnly? To, IReadOnlyList<OpportunityFigures> Rows);

/// <summary>
/// The pipeline by stage, or what each lead source and owner contributes: open opportunities (count, amount,
/// amount weighted by the stage's probability), won and lost ones, and the win rate of those closed. With
/// from/to, only opportunities opened in that period.
/// </summary>
public static class OpportunityBreakdownEndpoint
{
    private static readonly IReadOnlyDictionary<string, string> Keys = new Dictionary<string, string>
    {
        ["stage"] = "stage",
        ["source"] = "source",
        ["owner"] = "owner",
    };

    public static ProblemDetails Validate(string? by, string? chart, string? currency, DateOnly? from, DateOnly? to)
    {
        var errors = new FieldErrors().CheckCurrency(currency).CheckChart(chart);
        if (by is null || !Keys.ContainsKey(by)) errors.Add("by", $"'by' is one of {string.Join(", ", Keys.Keys)}.");
        if (from > to) errors.Add("from", "'from' must not be after 'to'.");
        return errors.ToProblem();
    }

    [WolverineGet("/api/analytics/opportunities/breakdown", OperationId = "OpportunityBreakdown", Summary = "Pipeline by stage, source or owner",
        Description = "by=stage|source|owner; currency (default the house currency); optional from/to (yyyy-MM-dd) on the opening date. JSON, CSV, or open and won amounts as a bar chart (PNG or SVG).")]
    [Authorize(Policy = Policies.AnalyticsRead)]
    [Tags("Analytics")]
    [ProducesResponseType(typeof(OpportunityBreakdown), 200, "application/json", "text/csv", "image/png", "image/svg+xml")]
    public static async Task<IResult> Get(string by, string? chart, string? currency, DateOnly? from, DateOnly? to, HttpContext http,
        NpgsqlDataSource database, CustomerRules customers, SalesRules sales, CancellationToken cancellation)
    {
        var money = currency?.Trim().ToUpperInvariant() ?? customers.HouseCurrency;
        await using var command = database.CreateCommand($"""
            select {Keys[by]}, stage, count(*), sum(amount)
            from {AnalyticsSchema.OpportunityFacts}
            where currency = @currency and (@from::timestamptz is null or opened_at >= @from) and (@to::timestamptz is null or opened_at < @to)
            group by 1, 2
            """);
        command.Parameters.AddWithValue("currency", money);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?>("from", from is { } f ? new DateTimeOffset(f.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?>("to", to is { } t ? new DateTimeOffset(t.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null));

        var cells = new List<(string? Key, OpportunityStage Stage, long Count, decimal Amount)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellation))
            while (await reader.ReadAsync(cancellation))
                cells.Add((reader.IsDBNull(0) ? null : reader.GetString(0), Enum.Parse<OpportunityStage>(reader.GetString(1), ignoreCase: true),
                    reader.GetInt64(2), reader.GetDecimal(3)));

        var rows = cells.GroupBy(c => c.Key).Select(g =>
        {
            var open = g.Where(c => c.Stage is not (OpportunityStage.Won or OpportunityStage.Lost)).ToList();
            long won = g.Where(c => c.Stage == OpportunityStage.Won).Sum(c => c.Count), lost = g.Where(c => c.Stage == OpportunityStage.Lost).Sum(c => c.Count);
            return new OpportunityFigures(g.Key, open.Sum(c => c.Count), open.Sum(c => c.Amount),
                decimal.Round(open.Sum(c => c.Amount * sales.Probability(c.Stage)), 2, MidpointRounding.AwayFromZero),
                won, g.Where(c => c.Stage == OpportunityStage.Won).Sum(c => c.Amount), lost,
                won + lost == 0 ? null : decimal.Round((decimal)won / (won + lost), 4, MidpointRounding.AwayFromZero));
        });
        rows = by == "stage"
            ? rows.OrderBy(r => Enum.Parse<OpportunityStage>(r.Key!, ignoreCase: true))
            : rows.OrderByDescending(r => r.OpenAmount + r.WonAmount).ThenBy(r => r.Key, StringComparer.Ordinal);

        var result = new OpportunityBreakdown(by, money, from, to, [.. rows]);
        return Formats.Respond(http, result,
            () => new Table([by, "currency", "open", "openAmount", "weightedAmount", "won", "wonAmount", "lost", "winRate"],
                [.. result.Rows.Select(r => (IReadOnlyList<object?>)[r.Key, money, r.Open, r.OpenAmount, r.WeightedAmount, r.Won, r.WonAmount, r.Lost, r.WinRate])]),
            () => by == "stage"
                ? Charts.GroupedBars($"Open pipeline by stage ({money})", by, $"amount ({money})",
                    [.. result.Rows.Where(r => r.Open > 0).Select(r => r.Key ?? "unknown")],
                    [("open", [.. result.Rows.Where(r => r.Open > 0).Select(r => (double)r.OpenAmount)]),
                     ("weighted by stage probability", [.. result.Rows.Where(r => r.Open > 0).Select(r => (double)r.WeightedAmount)])])
                : Charts.GroupedBars($"Opportunities by {by} ({money})", by, $"amount ({money})",
                    [.. result.Rows.Select(r => r.Key ?? "unknown")],
                    [("open", [.. result.Rows.Select(r => (double)r.OpenAmount)]), ("won", [.. result.Rows.Select(r => (double)r.WonAmount)])]));
    }
}
