using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Hangfire;
using JasperFx.Events;
using JasperFx.Events.Aggregation;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events;
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
    public const int EventsPerTransaction = 1000;

    public static IReadOnlyList<string> Names(IDocumentStore store) =>
        ((StoreOptions)store.Options).Projections.All.Select(projection => projection.Name).Order(StringComparer.Ordinal).ToList();

    [JobDisplayName("Rebuild projections")]
    [AutomaticRetry(Attempts = 3)]
    public Task Run(string[] projections, CancellationToken cancellation) => Rebuild(projections, cancellation);

    /// <summary>
    /// Rebuilds the projections, <see cref="ConcurrentProjections"/> at a time: each writes its own tables, and
    /// the locks a batch takes are taken in stream order by all of them, so two never wait on each other in a cycle.
    /// </summary>
    public async Task<IReadOnlyList<RebuiltProjection>> Rebuild(IReadOnlyList<string> projections, CancellationToken cancellation)
    {
        var options = (StoreOptions)store.Options;
        var rebuilt = new ConcurrentBag<RebuiltProjection>();
        await Parallel.ForEachAsync(projections, new ParallelOptions { MaxDegreeOfParallelism = ConcurrentProjections, CancellationToken = cancellation },
            async (name, token) =>
            {
                var source = options.Projections.All.Single(p => p.Name == name);
                logger.LogInformation("Rebuilding projection {Projection}", name);
                var watch = Stopwatch.StartNew();
                var written = source is IAggregateProjection { Scope: AggregationScope.SingleStream } aggregate
                    ? await (Task<long>)InPlaceMethod.MakeGenericMethod(aggregate.AggregateType).Invoke(this, [aggregate, name, token])!
                    : await Replay(source, name, token);
                rebuilt.Add(new RebuiltProjection(name, written, watch.Elapsed));
                logger.LogInformation("Rebuilt projection {Projection} in {Seconds:F1} s", name, watch.Elapsed.TotalSeconds);
            });
        return [.. rebuilt.OrderBy(r => r.Name, StringComparer.Ordinal)];
    }

    /// <summary>Projections rebuilt at once: enough to keep PostgreSQL and the application busy together.</summary>
    public static int ConcurrentProjections => Math.Max(2, Environment.ProcessorCount);

    private static readonly MethodInfo InPlaceMethod =
        typeof(RebuildProjections).GetMethod(nameof(InPlace), BindingFlags.NonPublic | BindingFlags.Instance)!;

    private async Task<long> InPlace<T>(IAggregateProjection projection, string name, CancellationToken cancellation) where T : class
    {
        var options = (StoreOptions)store.Options;
        var events = Storage.StoreNames.EventsOf(options);
        var streamTable = store.Options.Schema.ForStreams(true);
        var types = projection.AllEventTypes.Select(t => ((Marten.Events.EventGraph)options.Events).EventMappingFor(t).EventTypeName).Distinct().ToArray();
        var asynchronous = projection.Lifecycle == ProjectionLifecycle.Async;
        var aggregator = options.Projections.AggregatorFor<T>();

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
            // The batch's events in one read (up to the mark for an asynchronous view), folded by the projection's own
            // aggregator stream by stream: what AggregateStreamAsync does, without a round trip per stream.
            var mark = ceiling ?? long.MaxValue;
            // Unordered on purpose: ordered by sequence, PostgreSQL may walk the whole table in that order instead of
            // looking the streams up; each stream is put in version order here.
            var read = await session.Events.QueryAllRawEvents()
                .Where(e => e.StreamId.IsOneOf(batch) && e.Sequence <= mark)
                .ToListAsync(cancellation);
            var byStream = read.GroupBy(e => e.StreamId).ToDictionary(g => g.Key, g => (IReadOnlyList<IEvent>)[.. g.OrderBy(e => e.Version)]);

            foreach (var id in batch)
            {
                var rebuilt = byStream.TryGetValue(id, out var stream) ? await aggregator.BuildAsync(stream, session, null, cancellation) : null;
                if (rebuilt is null) session.Delete<T>(id);
                else session.Store(rebuilt);
            }
            await session.SaveChangesAsync(cancellation);
            done += batch.Length;
        }
        logger.LogInformation("Rebuilt {Count} {Projection} documents in place", done, name);
        return done;
    }

    /// <summary>
    /// Documents projected from events one by one (no snapshots to fold onto): the events up to where the daemon has
    /// got are applied again through the projection's own code, a page per transaction, upserting over the rows there
    /// are (no teardown). Each event writes its own document whole, so the daemon applying later events meanwhile, or
    /// the same one again, writes what this does.
    /// </summary>
    private async Task<long> Replay(IProjectionSource<IDocumentOperations, IQuerySession> source, string name, CancellationToken cancellation)
    {
        if (source is not (IJasperFxProjection<IDocumentOperations> projection and ProjectionBase described))
        {
            using var daemon = await store.BuildProjectionDaemonAsync();
            await daemon.RebuildProjectionAsync(name, TimeSpan.FromMinutes(10), cancellation);
            return 0;
        }

        // An inline projection has no daemon mark: it is replayed over every event there is.
        long ceiling;
        await using (var query = store.QuerySession())
            ceiling = described.Lifecycle == ProjectionLifecycle.Async
                ? await Ceiling(query, name, lockRow: false, cancellation)
                : (await query.AdvancedSql.QueryAsync<long>($"select coalesce(max(seq_id), 0) from {Storage.StoreNames.EventsOf((StoreOptions)store.Options)}", cancellation)).Single();
        // Only the event types the projection handles are read (all of them when it names none): most projections
        // take a small part of the store.
        var handled = described.IncludedEventTypes.ToArray();
        long after = 0, applied = 0;
        while (true)
        {
            await using var session = store.LightweightSession();
            var events = session.Events.QueryAllRawEvents().Where(e => e.Sequence > after && e.Sequence <= ceiling);
            if (handled.Length > 0) events = events.Where(e => e.EventTypesAre(handled));
            var page = await events.OrderBy(e => e.Sequence).Take(EventsPerTransaction).ToListAsync(cancellation);
            if (page.Count == 0) break;
            await projection.ApplyAsync(session, page, cancellation);
            await session.SaveChangesAsync(cancellation);
            applied += page.Count;
            after = page[^1].Sequence;
        }
        logger.LogInformation("Replayed {Projection} up to event {Sequence}", name, ceiling);
        return applied;
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

}

/// <summary>A projection rebuilt: the documents it rewrote in place, or the events it replayed, and how long it took.</summary>
public sealed record RebuiltProjection(string Name, long Written, TimeSpan Took);

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
