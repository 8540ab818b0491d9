using EventCrm.Audit;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Marten;
using Marten.Pagination;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Http.Marten;
using Wolverine.Persistence;

namespace EventCrm.Service;

public static class TicketQueries
{
    [WolverineGet("/api/tickets/{ticketId}", OperationId = "GetTicket", Summary = "A ticket, with its comments and SLA state")]
    [Authorize(Policy = Policies.ServiceRead)]
    [Tags("Tickets")]
    public static TicketView Get([Document("ticketId", OnMissing = OnMissing.ProblemDetailsWith404, MissingMessage = "No ticket has id {0}")] TicketView ticket) =>
        ticket;

    [WolverineGet("/api/tickets/{ticketId}/history", OperationId = "GetTicketHistory", Summary = "Every event of a ticket")]
    [Authorize(Policy = Policies.Audit)]
    [Tags("Tickets", "Audit")]
    public static Task<Results<Ok<HistoryPage>, ProblemHttpResult>> History(Guid ticketId, int? page, int? pageSize, bool? proofs,
        IQuerySession session, EventLog events, Proofs provenance, CancellationToken cancellation) =>
        StreamHistory.History<Ticket>(ticketId, "ticket", page, pageSize, proofs, session, events, provenance, cancellation);

    [WolverineGet("/api/tickets/{ticketId}/as-of", OperationId = "GetTicketAsOf", Summary = "A ticket as it was at a version or time")]
    [Authorize(Policy = Policies.Audit)]
    [Tags("Tickets", "Audit")]
    public static Task<Results<Ok<TicketView>, ProblemHttpResult>> AsOf(Guid ticketId, int? version, DateTimeOffset? at,
        IQuerySession session, TimeProvider clock, CancellationToken cancellation) =>
        StreamHistory.AsOf<Ticket, TicketView>(ticketId, "ticket", version, at, session, clock, cancellation);
}

/// <summary>The filters of the ticket queues; all optional, combined with AND.</summary>
public class TicketSearch
{
    [FromQuery(Name = "status")] public TicketStatus? Status { get; set; }
    /// <summary>true: open or waiting on the customer.</summary>
    [FromQuery(Name = "active")] public bool? Active { get; set; }
    [FromQuery(Name = "assignee")] public string? Assignee { get; set; }
    [FromQuery(Name = "priority")] public TicketPriority? Priority { get; set; }
    [FromQuery(Name = "kind")] public TicketKind? Kind { get; set; }
    [FromQuery(Name = "queue")] public string? Queue { get; set; }
    [FromQuery(Name = "customerId")] public Guid? CustomerId { get; set; }
    /// <summary>true: a promise was broken; false: none was.</summary>
    [FromQuery(Name = "breached")] public bool? Breached { get; set; }
    /// <summary>true: active, not breached, and a promise falls due within Service:AtRiskWithin.</summary>
    [FromQuery(Name = "atRisk")] public bool? AtRisk { get; set; }
    [FromQuery(Name = "page")] public int? Page { get; set; }
    [FromQuery(Name = "pageSize")] public int? PageSize { get; set; }
}

public static class ListTicketsEndpoint
{
    public static ProblemDetails Validate([AsParameters] TicketSearch search) =>
        new FieldErrors().CheckPaging(search.Page, search.PageSize)
            .OptionalText("assignee", search.Assignee, 100).OptionalText("queue", search.Queue, 100).ToProblem();

    [WolverineGet("/api/tickets", OperationId = "ListTickets", Summary = "Ticket queues",
        Description = "Filter by status, assignee, priority, kind, queue, customer, breached or at risk; most urgent first (priority, then the nearest due time).")]
    [Authorize(Policy = Policies.ServiceRead)]
    [Tags("Tickets")]
    public static async Task<Page<TicketView>> List([AsParameters] TicketSearch search, IQuerySession session,
        ServiceRules rules, TimeProvider clock, CancellationToken cancellation)
    {
        IQueryable<TicketView> query = session.Query<TicketView>();
        if (search.Status is { } status) query = query.Where(t => t.Status == status);
        if (search.Active is { } active) query = query.Where(t => t.IsActive == active);
        if (!string.IsNullOrWhiteSpace(search.Assignee)) query = query.Where(t => t.Assignee == search.Assignee.Trim());
        if (search.Priority is { } priority) query = query.Where(t => t.Priority == priority);
        if (search.Kind is { } kind) query = query.Where(t => t.Kind == kind);
        if (!string.IsNullOrWhiteSpace(search.Queue)) query = query.Where(t => t.Queue == search.Queue.Trim());
        if (search.CustomerId is { } customer) query = query.Where(t => t.CustomerId == customer);
        if (search.Breached is { } breached) query = query.Where(t => t.Breached == breached);
        if (search.AtRisk == true)
        {
            var horizon = clock.GetUtcNow() + rules.AtRiskWithin;
            query = query.Where(t => t.IsActive && !t.Breached &&
                                     ((t.FirstResponseDueAt != null && t.FirstResponseDueAt < horizon) ||
                                      (t.ResolutionDueAt != null && t.ResolutionDueAt < horizon)));
        }

        var ordered = query.OrderByDescending(t => t.Priority).ThenBy(t => t.ResolutionDueAt).ThenBy(t => t.OpenedAt).ThenBy(t => t.Id);
        var page = await PagedList<TicketView>.CreateAsync(ordered, search.Page ?? 1, search.PageSize ?? Paging.DefaultPageSize,
            useCountQuery: true, cancellation);
        return new Page<TicketView>([.. page], page.PageNumber, page.PageSize, page.TotalItemCount);
    }
}
