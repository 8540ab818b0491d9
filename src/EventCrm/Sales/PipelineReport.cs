using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Storage;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace EventCrm.Sales;

public record PipelineStageRow(OpportunityStage Stage, string Currency, int Count, decimal Total, decimal Probability, decimal Weighted);

public record PipelineReport(DateTimeOffset? AsOf, IReadOnlyList<PipelineStageRow> Stages);

public static class PipelineReportEndpoint
{
    /// <summary>The pipeline of the future is not known: an asOf ahead of now is refused, not quietly answered as today.</summary>
    public static ProblemDetails Validate(DateTimeOffset? asOf, TimeProvider clock) =>
        asOf > clock.GetUtcNow() + Paging.ClockSkew
            ? new FieldErrors().Add("asOf", $"'asOf' {asOf:O} is in the future; the pipeline is known up to now.").ToProblem()
            : Problems.None;

    [WolverineGet("/api/reports/pipeline", OperationId = "GetPipeline", Summary = "The pipeline by stage, now or as of a past date",
        Description = "Count, total and probability-weighted amount per stage and currency, for everyone or one 'owner'. With 'asOf' (ISO 8601 date or time) the stages and amounts are those in force then, from the stage-change history.")]
    [Authorize(Policy = Policies.SalesRead)]
    [Tags("Reports")]
    public static async Task<PipelineReport> Pipeline(DateTimeOffset? asOf, string? owner, NpgsqlDataSource database,
        StoreNames names, SalesRules rules, CancellationToken cancellation)
    {
        await using var command = asOf is null
            ? database.CreateCommand($"""
                select stage, currency, count(*), sum(amount) from {names.Table<SalesPipelineEntry>()}
                where ($1::text is null or owner = $1)
                group by stage, currency
                """)
            : database.CreateCommand($"""
                select p ->> 'stage', e.currency, count(*), sum((p ->> 'amount')::numeric)
                from {names.Table<SalesPipelineEntry>()} e cross join lateral jsonb_array_elements(e.data -> '{StoreNames.Json<SalesPipelineEntry>(x => x.Periods)}') p
                where ($1::text is null or e.owner = $1)
                  and (p ->> 'from')::timestamptz <= $2 and (p ->> 'to' is null or (p ->> 'to')::timestamptz > $2)
                group by 1, 2
                """);
        command.Parameters.Add(new NpgsqlParameter { Value = string.IsNullOrWhiteSpace(owner) ? DBNull.Value : owner.Trim(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        if (asOf is { } when) command.Parameters.AddWithValue(when);

        var rows = new List<PipelineStageRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation))
        {
            var stage = Enum.Parse<OpportunityStage>(reader.GetString(0), ignoreCase: true);
            var total = reader.GetDecimal(3);
            var probability = rules.Probability(stage);
            rows.Add(new PipelineStageRow(stage, reader.GetString(1), (int)reader.GetInt64(2), total, probability,
                decimal.Round(total * probability, 2, MidpointRounding.AwayFromZero)));
        }
        return new PipelineReport(asOf, [.. rows.OrderBy(r => r.Stage).ThenBy(r => r.Currency, StringComparer.Ordinal)]);
    }
}
