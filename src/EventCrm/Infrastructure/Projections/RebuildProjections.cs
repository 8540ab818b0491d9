using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Hangfire;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace EventCrm.Infrastructure.Projections;

/// <summary>Which projection to rebuild; none means all of them.</summary>
public record RebuildRequest(string? Projection = null);

public record RebuildAccepted(string JobId, IReadOnlyList<string> Projections, string Dashboard);

/// <summary>
/// Rebuilds read models from the events. Runs as a Hangfire job (a rebuild of a large store takes minutes);
/// the same as the CLI verb <c>projections rebuild</c>.
/// </summary>
public sealed class RebuildProjections(IDocumentStore store, ILogger<RebuildProjections> logger)
{
    public static IReadOnlyList<string> Names(IDocumentStore store) =>
        ((StoreOptions)store.Options).Projections.All.Select(projection => projection.Name).Order(StringComparer.Ordinal).ToList();

    [JobDisplayName("Rebuild projections")]
    public async Task Run(string[] projections, CancellationToken cancellation)
    {
        using var daemon = await store.BuildProjectionDaemonAsync();
        foreach (var projection in projections)
        {
            logger.LogInformation("Rebuilding projection {Projection}", projection);
            await daemon.RebuildProjectionAsync(projection, TimeSpan.FromMinutes(10), cancellation);
        }
    }
}

public static class ProjectionAdmin
{
    [WolverineGet("/api/admin/projections", OperationId = "ListProjections", Summary = "The read models that can be rebuilt")]
    [Authorize(Policy = Policies.Admin)]
    [Tags("Admin")]
    public static IReadOnlyList<string> List(IDocumentStore store) => RebuildProjections.Names(store);

    [WolverinePost("/api/admin/projections/rebuild", OperationId = "RebuildProjections", Summary = "Rebuild read models from the events",
        Description = "Starts a background job that rebuilds one projection (by name) or all of them; answers 202 with the job's id.")]
    [Authorize(Policy = Policies.Admin)]
    [Tags("Admin")]
    public static Results<Accepted<RebuildAccepted>, ProblemHttpResult> Post(RebuildRequest request, IDocumentStore store,
        IBackgroundJobClient jobs)
    {
        var known = RebuildProjections.Names(store);
        if (request.Projection is { } name && !known.Contains(name))
            return TypedResults.Problem(Problems.Validation(new Dictionary<string, string[]>
            {
                ["projection"] = [$"Unknown projection '{name}'. Known: {string.Join(", ", known)}."],
            }));

        string[] projections = request.Projection is { } one ? [one] : [.. known];
        var jobId = jobs.Enqueue<RebuildProjections>(job => job.Run(projections, CancellationToken.None));
        return TypedResults.Accepted($"/hangfire/jobs/details/{jobId}",
            new RebuildAccepted(jobId, projections, $"/hangfire/jobs/details/{jobId}"));
    }
}
