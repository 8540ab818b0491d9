using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Storage;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace EventCrm.Sales;

public record FunnelRow(
    string Key,
    int Opened,
    int ReachedQualification,
    int ReachedProposal,
    int ReachedNegotiation,
    int Won,
    int Lost,
    int Open,
    decimal? QualificationRate,
    decimal? ProposalRate,
    decimal? NegotiationRate,
    decimal? WinRate,
    decimal? AverageSalesCycleDays);

public record FunnelReport(string By, IReadOnlyList<FunnelRow> Rows);

public static class FunnelReportEndpoint
{
    public static ProblemDetails Validate(string? by) =>
        by is null or "owner" or "source"
            ? Problems.None
            : Problems.Validation(new Dictionary<string, string[]> { ["by"] = ["'by' is 'owner' or 'source'."] });

    [WolverineGet("/api/reports/funnel", OperationId = "GetFunnel", Summary = "Conversion between stages, win rate and sales cycle",
        Description = "Per owner (by=owner, the default) or per source (by=source): how many opportunities reached each stage, the rate from one stage to the next, the win rate of closed ones and the average days from opening to winning.")]
    [Authorize(Policy = Policies.SalesRead)]
    [Tags("Reports")]
    public static async Task<FunnelReport> Funnel(string? by, NpgsqlDataSource database, StoreNames names, CancellationToken cancellation)
    {
        var key = by == "source" ? "source" : "owner";
        await using var command = database.CreateCommand($"""
            select {key},
                   count(*),
                   count(*) filter (where furthest_stage in ('Qualification', 'Proposal', 'Negotiation')),
                   count(*) filter (where furthest_stage in ('Proposal', 'Negotiation')),
                   count(*) filter (where furthest_stage = 'Negotiation'),
                   count(*) filter (where outcome = 'Won'),
                   count(*) filter (where outcome = 'Lost'),
                   count(*) filter (where is_open),
                   avg(extract(epoch from closed_at - opened_at) / 86400) filter (where outcome = 'Won')
            from {names.Table<SalesPipelineEntry>()} group by {key} order by {key}
            """);
        var rows = new List<FunnelRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation))
        {
            int At(int i) => (int)reader.GetInt64(i);
            var (opened, qualified, proposed, negotiated, won, lost) = (At(1), At(2), At(3), At(4), At(5), At(6));
            rows.Add(new FunnelRow(reader.GetString(0), opened, qualified, proposed, negotiated, won, lost, At(7),
                SalesReport.Rate(qualified, opened), SalesReport.Rate(proposed, qualified), SalesReport.Rate(negotiated, proposed), SalesReport.Rate(won, won + lost),
                reader.IsDBNull(8) ? null : decimal.Round(reader.GetDecimal(8), 1)));
        }
        return new FunnelReport(key, rows);
    }
}
