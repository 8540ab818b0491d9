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

namespace EventCrm.Sales;

public static class LeadQueries
{
    [WolverineGet("/api/leads/{leadId}", OperationId = "GetLead", Summary = "A lead")]
    [Authorize(Policy = Policies.SalesRead)]
    [Tags("Leads")]
    public static LeadView Get([Document("leadId", OnMissing = OnMissing.ProblemDetailsWith404, MissingMessage = "No lead has id {0}")] LeadView lead) =>
        lead;

    [WolverineGet("/api/leads/{leadId}/history", OperationId = "GetLeadHistory", Summary = "Every event of a lead")]
    [Authorize(Policy = Policies.Audit)]
    [Tags("Leads", "Audit")]
    public static Task<Results<Ok<HistoryPage>, ProblemHttpResult>> History(Guid leadId, int? page, int? pageSize, bool? proofs,
        IQuerySession session, EventLog events, Proofs provenance, CancellationToken cancellation) =>
        StreamHistory.History<Lead>(leadId, "lead", page, pageSize, proofs, session, events, provenance, cancellation);

    [WolverineGet("/api/leads/{leadId}/as-of", OperationId = "GetLeadAsOf", Summary = "A lead as it was at a version or time")]
    [Authorize(Policy = Policies.Audit)]
    [Tags("Leads", "Audit")]
    public static Task<Results<Ok<LeadView>, ProblemHttpResult>> AsOf(Guid leadId, int? version, DateTimeOffset? at,
        IQuerySession session, TimeProvider clock, CancellationToken cancellation) =>
        StreamHistory.AsOf<Lead, LeadView>(leadId, "lead", version, at, session, clock, cancellation);
}

/// <summary>The filters of the lead list; all optional.</summary>
public class LeadSearch
{
    [FromQuery(Name = "status")] public LeadStatus? Status { get; set; }
    [FromQuery(Name = "source")] public string? Source { get; set; }
    [FromQuery(Name = "page")] public int? Page { get; set; }
    [FromQuery(Name = "pageSize")] public int? PageSize { get; set; }
}

public static class ListLeadsEndpoint
{
    public static ProblemDetails Validate([AsParameters] LeadSearch search) =>
        new FieldErrors().CheckPaging(search.Page, search.PageSize).OptionalText("source", search.Source, 100).ToProblem();

    [WolverineGet("/api/leads", OperationId = "ListLeads", Summary = "Leads, newest first", Description = "Filter by status and source.")]
    [Authorize(Policy = Policies.SalesRead)]
    [Tags("Leads")]
    public static async Task<Page<LeadView>> List([AsParameters] LeadSearch search, IQuerySession session,
        CancellationToken cancellation)
    {
        IQueryable<LeadView> query = session.Query<LeadView>();
        if (search.Status is { } status) query = query.Where(l => l.Status == status);
        if (!string.IsNullOrWhiteSpace(search.Source)) query = query.Where(l => l.Source == search.Source.Trim());
        var page = await PagedList<LeadView>.CreateAsync(query.OrderByDescending(l => l.CapturedAt).ThenBy(l => l.Id),
            search.Page ?? 1, search.PageSize ?? Paging.DefaultPageSize, useCountQuery: true, cancellation);
        return new Page<LeadView>([.. page], page.PageNumber, page.PageSize, page.TotalItemCount);
    }
}
