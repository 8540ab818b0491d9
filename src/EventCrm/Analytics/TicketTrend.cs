using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using EventCrm.Service;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace EventCrm.Analytics;

/// <summary>
/// One month of service: tickets opened, how many of those breached an SLA, were complaints or were rated
/// (and their mean satisfaction, 1-5), and how many tickets were resolved in the month.
/// </summary>
/// <param name="Complete">False for a month that is not over yet (the current one): its figures are so far.</param>
public record TicketMonth(string Month, long Opened, long Resolved, long Breached, long Complaints, long Rated, double? Satisfaction,
    bool Complete = true);

public record TicketTrend(DateOnly From, DateOnly To, IReadOnlyList<TicketMonth> Months);

public static class TicketTrendEndpoint
{
    public static ProblemDetails Validate([AsParameters] PeriodFilter period, string? channel, TimeProvider clock) =>
        new FieldErrors().CheckPeriod(period, clock.GetUtcNow()).OptionalText("channel", channel, 50).ToProblem();

    [WolverineGet("/api/analytics/tickets/monthly", OperationId = "TicketTrend", Summary = "Ticket volume and satisfaction per month",
        Description = "from/to (yyyy-MM-dd, default the last twelve months); optional kind, priority, channel. JSON, CSV, or a line chart (opened and resolved, satisfaction on the right axis) as PNG or SVG.")]
    [Authorize(Policy = Policies.AnalyticsRead)]
    [Tags("Analytics")]
    [ProducesResponseType(typeof(TicketTrend), 200, "application/json", "text/csv", "image/png", "image/svg+xml")]
    public static async Task<IResult> Get(PeriodFilter period, TicketKind? kind, TicketPriority? priority, string? channel,
        HttpContext http, NpgsqlDataSource database, TimeProvider clock, CancellationToken cancellation)
    {
        var now = clock.GetUtcNow();
        var days = period.Resolve(now);
        var (start, end) = PeriodFilter.Instants(days);
        const string filters = """
            (@kind::text is null or kind = @kind) and (@priority::text is null or priority = @priority)
            and (@channel::text is null or channel = @channel)
            """;
        await using var command = database.CreateCommand($"""
            with opened as (
                select to_char(opened_at at time zone 'UTC', 'YYYY-MM') as month, count(*) as opened,
                       count(*) filter (where breached) as breached, count(*) filter (where kind = 'complaint') as complaints,
                       count(satisfaction) as rated, avg(satisfaction)::float8 as satisfaction
                from {AnalyticsSchema.TicketFacts}
                where opened_at >= @start and opened_at < @end and {filters}
                group by 1),
            resolved as (
                select to_char(resolved_at at time zone 'UTC', 'YYYY-MM') as month, count(*) as resolved
                from {AnalyticsSchema.TicketFacts}
                where resolved_at >= @start and resolved_at < @end and {filters}
                group by 1)
            select month, coalesce(opened, 0), coalesce(resolved, 0), coalesce(breached, 0), coalesce(complaints, 0),
                   coalesce(rated, 0), satisfaction
            from opened full join resolved using (month)
            """);
        command.Parameters.AddWithValue("start", start);
        command.Parameters.AddWithValue("end", end);
        command.Parameters.Add(new NpgsqlParameter<string?>("kind", kind is { } k ? AnalyticsSchema.ApiName(k) : null));
        command.Parameters.Add(new NpgsqlParameter<string?>("priority", priority is { } p ? AnalyticsSchema.ApiName(p) : null));
        command.Parameters.Add(new NpgsqlParameter<string?>("channel", string.IsNullOrWhiteSpace(channel) ? null : Tags.Normalise(channel)));

        var found = new Dictionary<string, TicketMonth>();
        await using (var reader = await command.ExecuteReaderAsync(cancellation))
            while (await reader.ReadAsync(cancellation))
                found[reader.GetString(0)] = new TicketMonth(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3),
                    reader.GetInt64(4), reader.GetInt64(5), reader.IsDBNull(6) ? null : Math.Round(reader.GetDouble(6), 4));

        var months = PeriodFilter.Months(days);
        var complete = PeriodFilter.CompleteMonths(days, now);
        var result = new TicketTrend(days.From, days.To,
            [.. months.Select((m, i) => (found.GetValueOrDefault(m) ?? new TicketMonth(m, 0, 0, 0, 0, 0, null)) with { Complete = i < complete })]);
        return Formats.Respond(http, result,
            () => new Table(["month", "opened", "resolved", "breached", "complaints", "rated", "satisfaction", "complete"],
                [.. result.Months.Select(m => (IReadOnlyList<object?>)[m.Month, m.Opened, m.Resolved, m.Breached, m.Complaints, m.Rated, m.Satisfaction, m.Complete])]),
            () => Charts.Lines($"Tickets per month ({days.From:yyyy-MM-dd} to {days.To:yyyy-MM-dd})", months, "tickets",
                [
                    ("opened", [.. result.Months.Select(m => (double?)m.Opened)]),
                    ("resolved", [.. result.Months.Select(m => (double?)m.Resolved)]),
                    ("breached an SLA", [.. result.Months.Select(m => (double?)m.Breached)]),
                    ("complaints", [.. result.Months.Select(m => (double?)m.Complaints)]),
                ],
                ("satisfaction (1-5)", [.. result.Months.Select(m => m.Satisfaction)]), complete, rightRange: (1, 5)));
    }
}
