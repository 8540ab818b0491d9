using System.Reflection;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Hangfire;
using JasperFx.Events.Aggregation;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Wolverine.Http;

namespace EventCrm.Infrastructure.Projections;

/// <summary>Which projection to rebuild; none means all of them.</summary>
public record RebuildRequest(string? Projection = null);

public record RebuildAccepted(string JobId, IReadOnlyList<string> Projections, string Dashboard);

/// <summary>
/// Rebuilds read models from the events while the application serves, without ever removing a row that a query
/// or a command reads (and so without emptying the analytics tables their triggers keep):
/// <list type="bullet">
/// <item>a per-stream view is rewritten in place, a batch of streams at a time, each batch in one transaction
/// that first locks its streams' rows, so a command on one of them waits for the batch rather than racing it;
/// an asynchronous one is rebuilt with the daemon paused, up to where it had got, and the daemon goes on from
/// there;</item>
/// <item>a projection of events into documents (one per purchase, say) is replayed through its own code with the
/// daemon paused, upserting over the rows there are, without tearing them down first.</item>
/// </list>
/// Runs as a Hangfire job; a killed run is taken up again by another worker and starts over, which is harmless:
/// every step writes what the events say.
/// </summary>
public sealed class RebuildProjections(IDocumentStore store, IServiceProvider services, ILogger<RebuildProjections> logger)
{
    public const int StreamsPerTransaction = 500;

    public static IReadOnlyList<string> Names(IDocumentStore store) =>
        ((StoreOptions)store.Options).Projections.All.Select(projection => projection.Name).Order(StringComparer.Ordinal).ToList();

    [JobDisplayName("Rebuild projections")]
    [AutomaticRetry(Attempts = 3)]
    public async Task Run(string[] projections, CancellationToken cancellation)
    {
        var options = (StoreOptions)store.Options;
        foreach (var name in projections)
        {
            var source = options.Projections.All.Single(p => p.Name == name);
            logger.LogInformation("Rebuilding projection {Projection}", name);
            if (source is IAggregateProjection { Scope: AggregationScope.SingleStream } aggregate)
                await (Task)InPlaceMethod.MakeGenericMethod(aggregate.AggregateType)
                    .Invoke(this, [aggregate, name, cancellation])!;
            else
                await Replay(source, name, cancellation);
        }
    }

    private static readonly MethodInfo InPlaceMethod =
        typeof(RebuildProjections).GetMethod(nameof(InPlace), BindingFlags.NonPublic | BindingFlags.Instance)!;

    private async Task InPlace<T>(IAggregateProjection projection, string name, CancellationToken cancellation) where T : class
    {
        var options = (StoreOptions)store.Options;
        var events = Storage.StoreNames.EventsOf(options);
        var streamTable = store.Options.Schema.ForStreams(true);
        var types = projection.AllEventTypes.Select(t => ((Marten.Events.EventGraph)options.Events).EventMappingFor(t).EventTypeName).Distinct().ToArray();
        var asynchronous = projection.Lifecycle == ProjectionLifecycle.Async;
        var coordinator = asynchronous ? services.GetService<IProjectionCoordinator>() : null;

        if (coordinator is not null) await coordinator.PauseAsync();
        try
        {
            await using var query = store.QuerySession();
            // An asynchronous view is rebuilt up to where the daemon had got; it applies the rest when it resumes.
            long? ceiling = asynchronous && coordinator is not null ? await Ceiling(name, cancellation) : null;
            var streams = await query.AdvancedSql.QueryAsync<Guid>(
                $"select distinct stream_id from {events} where type = any(?) {(ceiling is null ? "" : "and seq_id <= " + ceiling)}",
                cancellation, new object[] { types });

            var done = 0;
            foreach (var batch in streams.Order().Chunk(StreamsPerTransaction))
            {
                await using var session = store.LightweightSession();
                await session.BeginTransactionAsync(cancellation);
                // Commands on these streams wait until this batch commits (Marten's append updates the stream's row).
                await session.AdvancedSql.QueryAsync<Guid>($"select id from {streamTable} where id = any(?) order by id for update",
                    cancellation, new object[] { batch });
                var versions = ceiling is null
                    ? new Dictionary<Guid, long>()
                    : (await session.AdvancedSql.QueryAsync<StreamVersion>(
                        $"select json_build_object('streamId', stream_id, 'version', max(version)) from {events} where stream_id = any(?) and seq_id <= ? group by stream_id",
                        cancellation, batch, ceiling.Value)).ToDictionary(v => v.StreamId, v => v.Version);

                foreach (var id in batch)
                {
                    var version = versions.GetValueOrDefault(id);
                    var rebuilt = await session.Events.AggregateStreamAsync<T>(id, version, token: cancellation);
                    if (rebuilt is null) session.Delete<T>(id);
                    else session.Store(rebuilt);
                }
                await session.SaveChangesAsync(cancellation);
                done += batch.Length;
            }
            logger.LogInformation("Rebuilt {Count} {Projection} documents in place", done, name);
        }
        finally
        {
            if (coordinator is not null) await coordinator.ResumeAsync();
        }
    }

    /// <summary>
    /// Documents projected from events one by one (no snapshots to fold onto): the daemon is paused, the events up
    /// to where it had got are applied again through the projection's own code, a page per transaction, upserting
    /// over the rows there are (no teardown), and the daemon goes on from where it was.
    /// </summary>
    private async Task Replay(IProjectionSource<IDocumentOperations, IQuerySession> source, string name, CancellationToken cancellation)
    {
        if (source is not (IJasperFxProjection<IDocumentOperations> projection and ProjectionBase described))
        {
            using var daemon = await store.BuildProjectionDaemonAsync();
            await daemon.RebuildProjectionAsync(name, TimeSpan.FromMinutes(10), cancellation);
            return;
        }

        var coordinator = services.GetService<IProjectionCoordinator>();
        if (coordinator is not null) await coordinator.PauseAsync();
        try
        {
            var ceiling = await Ceiling(name, cancellation);
            var handled = described.IncludedEventTypes.ToHashSet();
            long after = 0;
            while (true)
            {
                await using var session = store.LightweightSession();
                var page = await session.Events.QueryAllRawEvents()
                    .Where(e => e.Sequence > after && e.Sequence <= ceiling)
                    .OrderBy(e => e.Sequence).Take(1000).ToListAsync(cancellation);
                if (page.Count == 0) break;
                var relevant = page.Where(e => handled.Count == 0 || handled.Contains(e.EventType)).ToList();
                if (relevant.Count > 0)
                {
                    await projection.ApplyAsync(session, relevant, cancellation);
                    await session.SaveChangesAsync(cancellation);
                }
                after = page[^1].Sequence;
            }
            logger.LogInformation("Replayed {Projection} up to event {Sequence}", name, ceiling);
        }
        finally
        {
            if (coordinator is not null) await coordinator.ResumeAsync();
        }
    }

    /// <summary>Where the daemon had got with the projection; every event, when there is no daemon running here.</summary>
    private async Task<long> Ceiling(string name, CancellationToken cancellation)
    {
        var options = (StoreOptions)store.Options;
        await using var query = store.QuerySession();
        var sql = services.GetService<IProjectionCoordinator>() is null
            ? $"select coalesce(max(seq_id), 0) from {Storage.StoreNames.EventsOf(options)} where ? is not null"
            : $"select coalesce(max(last_seq_id), 0) from {options.Events.DatabaseSchemaName}.mt_event_progression where name like ?";
        return (await query.AdvancedSql.QueryAsync<long>(sql, cancellation, $"{name}:%")).Single();
    }

    private sealed record StreamVersion(Guid StreamId, long Version);
}

public static class ProjectionAdmin
{
    [WolverineGet("/api/admin/projections", OperationId = "ListProjections", Summary = "The read models that can be rebuilt")]
    [Authorize(Policy = Policies.Admin)]
    [Tags("Admin")]
    public static IReadOnlyList<string> List(IDocumentStore store) => RebuildProjections.Names(store);

    [WolverinePost("/api/admin/projections/rebuild", OperationId = "RebuildProjections", Summary = "Rebuild read models from the events",
        Description = "Starts a background job that rebuilds one projection (by name) or all of them, in place, while the application serves; answers 202 with the job's id.")]
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
