using System.Security.Claims;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Marten;
using Marten.Pagination;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Http.Marten;
using Wolverine.Persistence;

namespace EventCrm.Sales;

public static class ActivityQueries
{
    [WolverineGet("/api/activities/{activityId}", OperationId = "GetActivity", Summary = "An activity or task")]
    [Authorize(Policy = Policies.SalesRead)]
    [Tags("Activities")]
    public static ActivityView Get(
        [Document("activityId", OnMissing = OnMissing.ProblemDetailsWith404, MissingMessage = "No activity has id {0}")] ActivityView activity) =>
        activity;
}

public static class ListActivitiesEndpoint
{
    public static ProblemDetails Validate(Guid? regardingId, int? page, int? pageSize)
    {
        var errors = new FieldErrors().CheckPaging(page, pageSize);
        if (regardingId is null) errors.Add("regardingId", "'regardingId' is required: a customer, lead or opportunity id.");
        return errors.ToProblem();
    }

    [WolverineGet("/api/activities", OperationId = "ListActivities", Summary = "Activities about a customer, lead or opportunity",
        Description = "Newest first. For a customer, also those about its leads and opportunities.")]
    [Authorize(Policy = Policies.SalesRead)]
    [Tags("Activities")]
    public static async Task<Page<ActivityView>> List(Guid? regardingId, int? page, int? pageSize, IQuerySession session,
        CancellationToken cancellation)
    {
        var id = regardingId!.Value;
        var query = session.Query<ActivityView>()
            .Where(a => a.RegardingId == id || a.CustomerId == id)
            .OrderByDescending(a => a.OccurredAt).ThenBy(a => a.Id);
        var result = await PagedList<ActivityView>.CreateAsync(query, page ?? 1, pageSize ?? Paging.DefaultPageSize,
            useCountQuery: true, cancellation);
        return new Page<ActivityView>([.. result], result.PageNumber, result.PageSize, result.TotalItemCount);
    }
}

public static class OverdueTasksEndpoint
{
    [WolverineGet("/api/activities/overdue", OperationId = "GetOverdueTasks", Summary = "Tasks past their due time and not done",
        Description = "The caller's own by default; 'owner' names another user's list.")]
    [Authorize(Policy = Policies.SalesRead)]
    [Tags("Activities")]
    public static Task<IReadOnlyList<ActivityView>> Get(string? owner, ClaimsPrincipal user, IQuerySession session,
        TimeProvider clock, CancellationToken cancellation)
    {
        var now = clock.GetUtcNow();
        var whose = string.IsNullOrWhiteSpace(owner) ? user.Identity?.Name ?? "" : owner.Trim();
        return session.Query<ActivityView>()
            .Where(a => a.Owner == whose && a.OpenDueAt != null && a.OpenDueAt < now)
            .OrderBy(a => a.OpenDueAt)
            .Take(500)
            .ToListAsync(cancellation);
    }
}
