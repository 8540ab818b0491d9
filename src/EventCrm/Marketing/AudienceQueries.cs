using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using EventCrm.Infrastructure.Storage;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;
using Wolverine.Http.Marten;
using Wolverine.Persistence;

namespace EventCrm.Marketing;

/// <summary>An audience with its member count now.</summary>
public record AudienceSummary(AudienceView Audience, long Members);

/// <summary>What a campaign would reach: how many, and a few of them to look at.</summary>
public record AudiencePreview(Guid AudienceId, string Name, long Count, IReadOnlyList<AudienceMember> Sample);

public static class AudienceQueries
{
    [WolverineGet("/api/marketing/audiences", OperationId = "ListAudiences", Summary = "Audiences, newest first, with their member counts")]
    [Authorize(Policy = Policies.MarketingRead)]
    [Tags("Marketing")]
    public static async Task<IReadOnlyList<AudienceSummary>> List(bool? archived, IQuerySession session, NpgsqlDataSource database,
        CancellationToken cancellation)
    {
        var wanted = archived ?? false;
        var audiences = await session.Query<AudienceView>().Where(a => a.Archived == wanted)
            .OrderByDescending(a => a.DefinedAt).Take(500).ToListAsync(cancellation);
        var summaries = new List<AudienceSummary>();
        foreach (var audience in audiences)
            summaries.Add(new AudienceSummary(audience, await AudienceMembership.Count(database, audience.Id, cancellation)));
        return summaries;
    }

    [WolverineGet("/api/marketing/audiences/{audienceId}", OperationId = "GetAudience", Summary = "An audience and its member count")]
    [Authorize(Policy = Policies.MarketingRead)]
    [Tags("Marketing")]
    public static async Task<AudienceSummary> Get(
        [Document("audienceId", OnMissing = OnMissing.ProblemDetailsWith404, MissingMessage = "No audience has id {0}")] AudienceView audience,
        NpgsqlDataSource database, CancellationToken cancellation) =>
        new(audience, await AudienceMembership.Count(database, audience.Id, cancellation));
}

public static class PreviewAudienceEndpoint
{
    public const int MaxSample = 50;

    public static ProblemDetails Validate(int? sample) =>
        sample is < 0 or > MaxSample ? new FieldErrors().Add("sample", $"'sample' is 0 to {MaxSample}.").ToProblem() : Problems.None;

    [WolverineGet("/api/marketing/audiences/{audienceId}/preview", OperationId = "PreviewAudience",
        Summary = "How many customers an audience holds now, and a sample of them",
        Description = "Read before anything is sent. A dynamic audience follows profile changes and new scores within moments.")]
    [Authorize(Policy = Policies.MarketingRead)]
    [Tags("Marketing")]
    public static async Task<AudiencePreview> Preview(int? sample,
        [Document("audienceId", OnMissing = OnMissing.ProblemDetailsWith404, MissingMessage = "No audience has id {0}")] AudienceView audience,
        NpgsqlDataSource database, StoreNames names, CancellationToken cancellation)
    {
        var (members, total) = await AudienceMembership.Page(database, names, audience.Id, null, 1, sample ?? 10, cancellation);
        return new AudiencePreview(audience.Id, audience.Name, total, members);
    }
}

public static class AudienceMemberQueries
{
    public static ProblemDetails Validate(int? page, int? pageSize) => new FieldErrors().CheckPaging(page, pageSize).ToProblem();

    [WolverineGet("/api/marketing/audiences/{audienceId}/members", OperationId = "ListAudienceMembers",
        Summary = "An audience's members now, or as they were at a time (asOf)", Description = "By customer id, paged, with the total.")]
    [Authorize(Policy = Policies.MarketingHistory)]
    [Tags("Marketing")]
    public static async Task<Page<AudienceMember>> Members(DateTimeOffset? asOf, int? page, int? pageSize,
        [Document("audienceId", OnMissing = OnMissing.ProblemDetailsWith404, MissingMessage = "No audience has id {0}")] AudienceView audience,
        NpgsqlDataSource database, StoreNames names, CancellationToken cancellation)
    {
        var (number, size) = (page ?? 1, pageSize ?? Paging.DefaultPageSize);
        var (members, total) = await AudienceMembership.Page(database, names, audience.Id, asOf, number, size, cancellation);
        return new Page<AudienceMember>(members, number, size, total);
    }
}

public static class AudienceMemberHistory
{
    [WolverineGet("/api/marketing/audiences/{audienceId}/members/{customerId}/history", OperationId = "GetAudienceMemberHistory",
        Summary = "When a customer entered and left an audience, and why",
        Description = "Each stretch with the reason and the values the filter saw (scores with their model version).")]
    [Authorize(Policy = Policies.MarketingHistory)]
    [Tags("Marketing", "Audit")]
    public static async Task<Results<Ok<IReadOnlyList<MembershipPeriod>>, ProblemHttpResult>> History(Guid customerId,
        [Document("audienceId", OnMissing = OnMissing.ProblemDetailsWith404, MissingMessage = "No audience has id {0}")] AudienceView audience,
        NpgsqlDataSource database, CancellationToken cancellation) =>
        TypedResults.Ok(await AudienceMembership.History(database, audience.Id, customerId, cancellation));
}
