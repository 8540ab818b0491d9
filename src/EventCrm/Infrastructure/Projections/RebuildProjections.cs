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
/// an asynchronous one is rebuilt up to where the daemon has got, holding the daemon's progress row while a
/// batch is written, and the daemon goes on from there, on whichever node it runs;</item>
/// <item>a projection of events into documents (one per purchase, say) is replayed through its own code up to
/// where the daemon has got, upserting over the rows there are, without tearing them down first.</item>
/// </list>
/// Runs as a Hangfire job; a killed run is taken up again by another worker and starts over, which is harmless:
/// every step writes what the events say.
/// </summary>
public sealed class RebuildProjections(IDocumentStore store, ILogger<RebuildProjections> logger)
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

        await using var query = store.QuerySession();
        // An asynchronous view is rebuilt up to where the daemon has got; the daemon applies the rest.
        long? ceiling = asynchronous ? await Ceiling(query, name, lockRow: false, cancellation) : null;
        var streams = await query.AdvancedSql.QueryAsync<Guid>(
            $"select distinct stream_id from {events} where type = any(?) {(ceiling is null ? "" : "and seq_id <= " + ceiling)}",
            cancellation, new object[] { types });

        var done = 0;
        foreach (var batch in streams.Order().Chunk(StreamsPerTransaction))
        {
            await using var session = store.LightweightSession();
            await session.BeginTransactionAsync(cancellation);
            // The daemon records its progress first in each batch it commits: holding that row until this batch
            // commits keeps the daemon from writing a document this batch rewrites, and the mark read here is the one
            // it goes on from, so each event is in a document once, whichever commits first.
            if (asynchronous) ceiling = await Ceiling(session, name, lockRow: true, cancellation);
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

    /// <summary>
    /// Documents projected from events one by one (no snapshots to fold onto): the events up to where the daemon has
    /// got are applied again through the projection's own code, a page per transaction, upserting over the rows there
    /// are (no teardown). Each event writes its own document whole, so the daemon applying later events meanwhile, or
    /// the same one again, writes what this does.
    /// </summary>
    private async Task Replay(IProjectionSource<IDocumentOperations, IQuerySession> source, string name, CancellationToken cancellation)
    {
        if (source is not (IJasperFxProjection<IDocumentOperations> projection and ProjectionBase described))
        {
            using var daemon = await store.BuildProjectionDaemonAsync();
            await daemon.RebuildProjectionAsync(name, TimeSpan.FromMinutes(10), cancellation);
            return;
        }

        // An inline projection has no daemon mark: it is replayed over every event there is.
        long ceiling;
        await using (var query = store.QuerySession())
            ceiling = described.Lifecycle == ProjectionLifecycle.Async
                ? await Ceiling(query, name, lockRow: false, cancellation)
                : (await query.AdvancedSql.QueryAsync<long>($"select coalesce(max(seq_id), 0) from {Storage.StoreNames.EventsOf((StoreOptions)store.Options)}", cancellation)).Single();
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

    /// <summary>
    /// Where the daemon has got with the projection, on whichever node it runs (0 before it first ran): it goes on
    /// from this mark. Read with <paramref name="lockRow"/> inside a transaction, the mark cannot move until it ends.
    /// </summary>
    private static async Task<long> Ceiling(IQuerySession session, string name, bool lockRow, CancellationToken cancellation)
    {
        var progression = $"{session.DocumentStore.Options.Events.DatabaseSchemaName}.mt_event_progression";
        var marks = await session.AdvancedSql.QueryAsync<long>(
            $"select last_seq_id from {progression} where name like ? {(lockRow ? "for update" : "")}", cancellation, $"{name}:%");
        return marks.Count == 0 ? 0 : marks.Max();
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
