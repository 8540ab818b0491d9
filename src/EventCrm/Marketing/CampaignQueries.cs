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

namespace EventCrm.Marketing;

public class CampaignSearch
{
    [FromQuery] public CampaignStatus? Status { get; set; }
    [FromQuery] public CampaignChannel? Channel { get; set; }
    [FromQuery] public int? Page { get; set; }
    [FromQuery] public int? PageSize { get; set; }
}

public static class ListCampaignsEndpoint
{
    public static ProblemDetails Validate([AsParameters] CampaignSearch search) =>
        new FieldErrors().CheckPaging(search.Page, search.PageSize).ToProblem();

    [WolverineGet("/api/marketing/campaigns", OperationId = "ListCampaigns", Summary = "Campaigns, newest first", Description = "Filter by status and channel.")]
    [Authorize(Policy = Policies.MarketingRead)]
    [Tags("Marketing")]
    public static async Task<Page<CampaignView>> List([AsParameters] CampaignSearch search, IQuerySession session, CancellationToken cancellation)
    {
        IQueryable<CampaignView> query = session.Query<CampaignView>();
        if (search.Status is { } status) query = query.Where(c => c.Status == status);
        if (search.Channel is { } channel) query = query.Where(c => c.Channel == channel);
        var page = await PagedList<CampaignView>.CreateAsync(query.OrderByDescending(c => c.PlannedAt).ThenBy(c => c.Id),
            search.Page ?? 1, search.PageSize ?? Paging.DefaultPageSize, useCountQuery: true, cancellation);
        return new Page<CampaignView>([.. page], page.PageNumber, page.PageSize, page.TotalItemCount);
    }
}

public static class CampaignQueries
{
    [WolverineGet("/api/marketing/campaigns/{campaignId}", OperationId = "GetCampaign", Summary = "A campaign")]
    [Authorize(Policy = Policies.MarketingRead)]
    [Tags("Marketing")]
    public static CampaignView Get([Document("campaignId", OnMissing = OnMissing.ProblemDetailsWith404, MissingMessage = "No campaign has id {0}")] CampaignView campaign) =>
        campaign;

    [WolverineGet("/api/marketing/campaigns/{campaignId}/history", OperationId = "GetCampaignHistory", Summary = "Every event of a campaign")]
    [Authorize(Policy = Policies.MarketingHistory)]
    [Tags("Marketing", "Audit")]
    public static Task<Results<Ok<HistoryPage>, ProblemHttpResult>> History(Guid campaignId, int? page, int? pageSize, bool? proofs,
        IQuerySession session, EventLog events, Proofs provenance, CancellationToken cancellation) =>
        StreamHistory.History<Campaign>(campaignId, "campaign", page, pageSize, proofs, session, events, provenance, cancellation);
}

public class RecipientSearch
{
    [FromQuery] public RecipientStatus? Status { get; set; }
    [FromQuery] public string? SkipReason { get; set; }
    [FromQuery] public RecipientGroup? Group { get; set; }
    [FromQuery] public int? Page { get; set; }
    [FromQuery] public int? PageSize { get; set; }
}

public static class ListCampaignRecipientsEndpoint
{
    public static ProblemDetails Validate([AsParameters] RecipientSearch search) =>
        new FieldErrors().CheckPaging(search.Page, search.PageSize).OptionalText("skipReason", search.SkipReason, 50).ToProblem();

    [WolverineGet("/api/marketing/campaigns/{campaignId}/recipients", OperationId = "ListCampaignRecipients",
        Summary = "What happened with each customer the campaign reached", Description = "Filter by status, skip reason and group; by customer id.")]
    [Authorize(Policy = Policies.MarketingRead)]
    [Tags("Marketing")]
    public static async Task<Page<CampaignRecipientView>> List(Guid campaignId, [AsParameters] RecipientSearch search, IQuerySession session,
        CancellationToken cancellation)
    {
        IQueryable<CampaignRecipientView> query = session.Query<CampaignRecipientView>().Where(v => v.CampaignId == campaignId);
        if (search.Status is { } status) query = query.Where(v => v.Status == status);
        if (!string.IsNullOrWhiteSpace(search.SkipReason)) query = query.Where(v => v.SkipReason == search.SkipReason.Trim());
        if (search.Group is { } group) query = query.Where(v => v.Group == group);
        var page = await PagedList<CampaignRecipientView>.CreateAsync(query.OrderBy(v => v.CustomerId),
            search.Page ?? 1, search.PageSize ?? Paging.DefaultPageSize, useCountQuery: true, cancellation);
        return new Page<CampaignRecipientView>([.. page], page.PageNumber, page.PageSize, page.TotalItemCount);
    }
}
