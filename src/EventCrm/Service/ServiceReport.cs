using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Storage;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace EventCrm.Service;

public record ServiceFigures(
    string Key,
    int Opened,
    int Backlog,
    int Resolved,
    decimal? FirstResponseCompliance,
    decimal? ResolutionCompliance,
    double? MeanMinutesToFirstResponse,
    double? MedianMinutesToFirstResponse,
    double? MeanMinutesToResolution,
    double? MedianMinutesToResolution,
    decimal? ReopenRate,
    double? SatisfactionAverage,
    IReadOnlyDictionary<int, int> SatisfactionDistribution,
    int Complaints,
    int CustomersWithComplaints,
    double? ComplaintsPerComplainingCustomer);

public record ServiceReportResult(DateOnly From, DateOnly To, string? By, IReadOnlyList<ServiceFigures> Rows);

/// <summary>
/// How service went for the tickets opened in a period: backlog (still open now), SLA compliance (of the
/// promises decided: kept, or broken by a late answer or a check that found them overdue), times on the SLA
/// clock, reopen rate, satisfaction and complaints.
/// Overall, or by kind, priority or channel.
/// </summary>
public static class ServiceReportEndpoint
{
    public static ProblemDetails Validate(DateOnly? from, DateOnly? to, string? by)
    {
        var errors = new FieldErrors();
        if (from is null) errors.Add("from", "'from' is required (yyyy-MM-dd).");
        if (to is null) errors.Add("to", "'to' is required (yyyy-MM-dd).");
        if (from > to) errors.Add("from", "'from' must not be after 'to'.");
        if (by is not (null or "kind" or "priority" or "channel")) errors.Add("by", "'by' is kind, priority or channel.");
        return errors.ToProblem();
    }

    [WolverineGet("/api/reports/service", OperationId = "GetServiceReport", Summary = "Service levels for a period",
        Description = "For tickets opened between 'from' and 'to' (inclusive): backlog, SLA compliance, mean and median SLA-clock minutes to first response and resolution, reopen rate, satisfaction, complaints; overall or by=kind|priority|channel.")]
    [Authorize(Policy = Policies.ServiceRead)]
    [Tags("Reports")]
    public static async Task<ServiceReportResult> Get(DateOnly? from, DateOnly? to, string? by, NpgsqlDataSource database,
        StoreNames names, CancellationToken cancellation)
    {
        var start = new DateTimeOffset(from!.Value.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var end = new DateTimeOffset(to!.Value.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var key = by switch { "kind" => "kind", "priority" => "priority", "channel" => "channel", _ => "'all'" };

        await using var command = database.CreateCommand($"""
            select {key} as key,
                   count(*),
                   count(*) filter (where is_active),
                   count(*) filter (where ever_resolved),
                   count(*) filter (where first_response_on_time),
                   count(*) filter (where first_response_on_time is not null),
                   count(*) filter (where resolution_on_time),
                   count(*) filter (where resolution_on_time is not null),
                   avg(first_response_minutes), percentile_cont(0.5) within group (order by first_response_minutes),
                   avg(resolution_minutes), percentile_cont(0.5) within group (order by resolution_minutes),
                   count(*) filter (where reopen_count > 0),
                   avg(satisfaction),
                   count(*) filter (where satisfaction = 1), count(*) filter (where satisfaction = 2),
                   count(*) filter (where satisfaction = 3), count(*) filter (where satisfaction = 4),
                   count(*) filter (where satisfaction = 5),
                   count(*) filter (where kind = 'Complaint'),
                   count(distinct customer_id) filter (where kind = 'Complaint')
            from {names.Table<TicketView>()}
            where opened_at >= $1 and opened_at < $2
            group by 1 order by 1
            """);
        command.Parameters.AddWithValue(start);
        command.Parameters.AddWithValue(end);

        var rows = new List<ServiceFigures>();
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation))
        {
            int Count(int i) => (int)reader.GetInt64(i);
            double? Number(int i) => reader.IsDBNull(i) ? null : Math.Round(Convert.ToDouble(reader.GetValue(i)), 2);
            var complaints = Count(19);
            var complainers = Count(20);
            rows.Add(new ServiceFigures(
                Key(reader.GetString(0)),
                Count(1), Count(2), Count(3),
                Rate(Count(4), Count(5)), Rate(Count(6), Count(7)),
                Number(8), Number(9), Number(10), Number(11),
                Rate(Count(12), Count(3)),
                Number(13),
                Enumerable.Range(1, 5).ToDictionary(score => score, score => Count(13 + score)),
                complaints, complainers, complainers == 0 ? null : Math.Round((double)complaints / complainers, 2)));
        }
        return new ServiceReportResult(from.Value, to.Value, by, rows);
    }

    private static string Key(string stored) => stored == "all" ? "all" : char.ToLowerInvariant(stored[0]) + stored[1..];

    private static decimal? Rate(int part, int whole) =>
        whole == 0 ? null : decimal.Round((decimal)part / whole, 4, MidpointRounding.AwayFromZero);
}
