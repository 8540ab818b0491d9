using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Storage;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace EventCrm.Sales;

public record ForecastRow(string Currency, int OpenCount, decimal Pipeline, decimal Expected, int WonCount, decimal Won);

/// <param name="WeightedBy">"stage probabilities", or the win model and version that weighed the open opportunities.</param>
public record ForecastReport(DateOnly From, DateOnly To, IReadOnlyList<ForecastRow> Currencies, string WeightedBy = "stage probabilities");

/// <summary>Each open opportunity's chance of being won, and what estimated it (e.g. "opportunity-win version 3").</summary>
public record WinWeights(string WeightedBy, IReadOnlyDictionary<Guid, double> Probabilities);

/// <summary>
/// Estimates the chance of winning each open opportunity. Sales weighs by stage when nothing better is known; the
/// models context provides a trained estimate.
/// </summary>
public interface IWinProbabilities
{
    /// <summary>Null when no estimate is available (then stage probabilities weigh the forecast).</summary>
    Task<WinWeights?> ForOpen(Guid? only, CancellationToken cancellation);
}

/// <summary>No trained estimate: the forecast weighs by stage.</summary>
internal sealed class StageWeightsOnly : IWinProbabilities
{
    public Task<WinWeights?> ForOpen(Guid? only, CancellationToken cancellation) => Task.FromResult<WinWeights?>(null);
}

public static class ForecastReportEndpoint
{
    public static ProblemDetails Validate(DateOnly? from, DateOnly? to, string? weighting)
    {
        var errors = new FieldErrors();
        if (weighting is not (null or "model" or "stages")) errors.Add("weighting", "'weighting' is model or stages.");
        if (from is null) errors.Add("from", "'from' is required (yyyy-MM-dd).");
        if (to is null) errors.Add("to", "'to' is required (yyyy-MM-dd).");
        if (from > to) errors.Add("from", "'from' must not be after 'to'.");
        return errors.ToProblem();
    }

    [WolverineGet("/api/reports/forecast", OperationId = "GetForecast", Summary = "Expected revenue for a period",
        Description = "Open opportunities expected to close between 'from' and 'to' (inclusive), weighted by the active opportunity-win model's probability for each (or by their stage's probability when no such model is active, or with weighting=stages), and what was already won in the period; per currency, for everyone or one 'owner'.")]
    [Authorize(Policy = Policies.SalesRead)]
    [Tags("Reports")]
    public static async Task<ForecastReport> Forecast(DateOnly? from, DateOnly? to, string? owner, string? weighting,
        NpgsqlDataSource database, StoreNames names, SalesRules rules, IWinProbabilities win, CancellationToken cancellation)
    {
        var model = weighting == "stages" ? null : await win.ForOpen(null, cancellation);
        var start = from!.Value;
        var end = to!.Value;
        await using var command = database.CreateCommand($"""
            select currency, stage, is_open, count(*), sum(amount)
            from {names.Table<SalesPipelineEntry>()}
            where ($5::text is null or owner = $5)
              and ((is_open and expected_close_date between $1 and $2)
                or (outcome = 'Won' and closed_at >= $3 and closed_at < $4))
            group by currency, stage, is_open
            """);
        command.Parameters.AddWithValue(start);
        command.Parameters.AddWithValue(end);
        command.Parameters.AddWithValue(new DateTimeOffset(start.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
        command.Parameters.AddWithValue(new DateTimeOffset(end.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
        command.Parameters.Add(new NpgsqlParameter { Value = string.IsNullOrWhiteSpace(owner) ? DBNull.Value : owner.Trim(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });

        var byCurrency = new SortedDictionary<string, ForecastRow>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(cancellation))
        while (await reader.ReadAsync(cancellation))
        {
            var currency = reader.GetString(0);
            var stage = Enum.Parse<OpportunityStage>(reader.GetString(1), ignoreCase: true);
            var open = reader.GetBoolean(2);
            var count = (int)reader.GetInt64(3);
            var total = reader.GetDecimal(4);
            var row = byCurrency.GetValueOrDefault(currency) ?? new ForecastRow(currency, 0, 0, 0, 0, 0);
            byCurrency[currency] = open
                ? row with
                {
                    OpenCount = row.OpenCount + count,
                    Pipeline = row.Pipeline + total,
                    Expected = decimal.Round(row.Expected + total * rules.Probability(stage), 2, MidpointRounding.AwayFromZero),
                }
                : row with { WonCount = row.WonCount + count, Won = row.Won + total };
        }
        if (model is null) return new ForecastReport(start, end, [.. byCurrency.Values]);

        // With a win model active, each open opportunity counts with its own probability.
        await using var openOnes = database.CreateCommand($"""
            select id, currency, amount from {names.Table<SalesPipelineEntry>()}
            where is_open and expected_close_date between $1 and $2 and ($3::text is null or owner = $3)
            """);
        openOnes.Parameters.AddWithValue(start);
        openOnes.Parameters.AddWithValue(end);
        openOnes.Parameters.Add(new NpgsqlParameter { Value = string.IsNullOrWhiteSpace(owner) ? DBNull.Value : owner.Trim(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        var expected = new Dictionary<string, decimal>();
        await using (var rows = await openOnes.ExecuteReaderAsync(cancellation))
            while (await rows.ReadAsync(cancellation))
            {
                var p = model.Probabilities.TryGetValue(rows.GetGuid(0), out var known) ? (decimal)known : 0m;
                expected[rows.GetString(1)] = expected.GetValueOrDefault(rows.GetString(1)) + rows.GetDecimal(2) * p;
            }
        return new ForecastReport(start, end,
            [.. byCurrency.Values.Select(r => r with { Expected = decimal.Round(expected.GetValueOrDefault(r.Currency), 2, MidpointRounding.AwayFromZero) })],
            model.WeightedBy);
    }
}
