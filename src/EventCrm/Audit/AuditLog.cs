using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace EventCrm.Audit;

/// <summary>The filters of the audit log; all optional, combined with AND.</summary>
public class AuditQuery
{
    /// <summary>The user who appended the events, as named in their token.</summary>
    [FromQuery(Name = "user")] public string? User { get; set; }
    /// <summary>From this instant on (inclusive), ISO 8601.</summary>
    [FromQuery(Name = "from")] public DateTimeOffset? From { get; set; }
    /// <summary>Before this instant (exclusive), ISO 8601.</summary>
    [FromQuery(Name = "to")] public DateTimeOffset? To { get; set; }
    /// <summary>Event type as stored, e.g. customer_registered.</summary>
    [FromQuery(Name = "type")] public string? Type { get; set; }
    /// <summary>Stream type as stored, e.g. customer.</summary>
    [FromQuery(Name = "streamType")] public string? StreamType { get; set; }
    [FromQuery(Name = "correlationId")] public string? CorrelationId { get; set; }
    [FromQuery(Name = "page")] public int? Page { get; set; }
    [FromQuery(Name = "pageSize")] public int? PageSize { get; set; }
}

/// <summary>Every event in the store, across streams, in the order it was appended.</summary>
public static class AuditLog
{
    public static ProblemDetails Validate([AsParameters] AuditQuery query)
    {
        var errors = new FieldErrors().CheckPaging(query.Page, query.PageSize);
        if (query.From >= query.To) errors.Add("from", "'from' must be before 'to'.");
        return errors
            .OptionalText("user", query.User, 200)
            .OptionalText("type", query.Type, 200)
            .OptionalText("streamType", query.StreamType, 200)
            .OptionalText("correlationId", query.CorrelationId, 200)
            .ToProblem();
    }

    [WolverineGet("/api/audit/events", OperationId = "GetAuditLog", Summary = "The audit log: events across all streams",
        Description = "Filter by user, time range, event type, stream type and correlation id; paged, in the order the events were appended.")]
    [Authorize(Policy = Policies.Audit)]
    [Tags("Audit")]
    public static Task<Page<EventEntry>> Get([AsParameters] AuditQuery query, EventLog events,
        CancellationToken cancellation) =>
        events.Read(
            new EventFilter(null, Blank(query.User), query.From, query.To, Blank(query.Type), Blank(query.StreamType),
                Blank(query.CorrelationId)),
            EventOrder.Sequence, query.Page ?? 1, query.PageSize ?? Paging.DefaultPageSize, cancellation);

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
