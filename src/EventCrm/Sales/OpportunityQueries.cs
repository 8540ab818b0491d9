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

public static class OpportunityQueries
{
    [WolverineGet("/api/opportunities/{opportunityId}", OperationId = "GetOpportunity", Summary = "An opportunity, with its stage history")]
    [Authorize(Policy = Policies.SalesRead)]
    [Tags("Opportunities")]
    public static OpportunityView Get(
        [Document("opportunityId", OnMissing = OnMissing.ProblemDetailsWith404, MissingMessage = "No opportunity has id {0}")] OpportunityView opportunity) =>
        opportunity;

    [WolverineGet("/api/opportunities/{opportunityId}/history", OperationId = "GetOpportunityHistory", Summary = "Every event of an opportunity")]
    [Authorize(Policy = Policies.Audit)]
    [Tags("Opportunities", "Audit")]
    public static Task<Results<Ok<HistoryPage>, ProblemHttpResult>> History(Guid opportunityId, int? page, int? pageSize, bool? proofs,
        IQuerySession session, EventLog events, Proofs provenance, CancellationToken cancellation) =>
        StreamHistory.History<Opportunity>(opportunityId, "opportunity", page, pageSize, proofs, session, events, provenance, cancellation);

    [WolverineGet("/api/opportunities/{opportunityId}/as-of", OperationId = "GetOpportunityAsOf", Summary = "An opportunity as it was at a version or time")]
    [Authorize(Policy = Policies.Audit)]
    [Tags("Opportunities", "Audit")]
    public static Task<Results<Ok<OpportunityView>, ProblemHttpResult>> AsOf(Guid opportunityId, int? version, DateTimeOffset? at,
        IQuerySession session, TimeProvider clock, CancellationToken cancellation) =>
        StreamHistory.AsOf<Opportunity, OpportunityView>(opportunityId, "opportunity", version, at, session, clock, cancellation);
}

/// <summary>The filters of the opportunity list; all optional, combined with AND.</summary>
public class OpportunitySearch
{
    [FromQuery(Name = "stage")] public OpportunityStage? Stage { get; set; }
    [FromQuery(Name = "owner")] public string? Owner { get; set; }
    [FromQuery(Name = "customerId")] public Guid? CustomerId { get; set; }
    /// <summary>Expected close date from (inclusive), yyyy-MM-dd.</summary>
    [FromQuery(Name = "closeFrom")] public DateOnly? CloseFrom { get; set; }
    /// <summary>Expected close date to (inclusive), yyyy-MM-dd.</summary>
    [FromQuery(Name = "closeTo")] public DateOnly? CloseTo { get; set; }
    [FromQuery(Name = "minAmount")] public decimal? MinAmount { get; set; }
    [FromQuery(Name = "maxAmount")] public decimal? MaxAmount { get; set; }
    [FromQuery(Name = "page")] public int? Page { get; set; }
    [FromQuery(Name = "pageSize")] public int? PageSize { get; set; }
}

public static class ListOpportunitiesEndpoint
{
    public static ProblemDetails Validate([AsParameters] OpportunitySearch search)
    {
        var errors = new FieldErrors().CheckPaging(search.Page, search.PageSize).OptionalText("owner", search.Owner, 100);
        if (search.CloseFrom > search.CloseTo) errors.Add("closeFrom", "'closeFrom' must not be after 'closeTo'.");
        if (search.MinAmount > search.MaxAmount) errors.Add("minAmount", "'minAmount' must not be more than 'maxAmount'.");
        return errors.ToProblem();
    }

    [WolverineGet("/api/opportunities", OperationId = "ListOpportunities", Summary = "Find opportunities",
        Description = "Filter by stage, owner, customer, expected close date range and amount range; ordered by expected close date.")]
    [Authorize(Policy = Policies.SalesRead)]
    [Tags("Opportunities")]
    public static async Task<Page<OpportunityView>> List([AsParameters] OpportunitySearch search, IQuerySession session,
        CancellationToken cancellation)
    {
        IQueryable<OpportunityView> query = session.Query<OpportunityView>();
        if (search.Stage is { } stage) query = query.Where(o => o.Stage == stage);
        if (!string.IsNullOrWhiteSpace(search.Owner)) query = query.Where(o => o.Owner == search.Owner.Trim());
        if (search.CustomerId is { } customer) query = query.Where(o => o.CustomerId == customer);
        if (search.CloseFrom is { } from) query = query.Where(o => o.ExpectedCloseDate >= from);
        if (search.CloseTo is { } to) query = query.Where(o => o.ExpectedCloseDate <= to);
        if (search.MinAmount is { } min) query = query.Where(o => o.Amount >= min);
        if (search.MaxAmount is { } max) query = query.Where(o => o.Amount <= max);

        var page = await PagedList<OpportunityView>.CreateAsync(query.OrderBy(o => o.ExpectedCloseDate).ThenBy(o => o.Id),
            search.Page ?? 1, search.PageSize ?? Paging.DefaultPageSize, useCountQuery: true, cancellation);
        return new Page<OpportunityView>([.. page], page.PageNumber, page.PageSize, page.TotalItemCount);
    }
}
