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
using Npgsql;
using NpgsqlTypes;
using Weasel.Storage;
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
public sealed class RebuildProjections(IDocumentStore store, NpgsqlDataSource database, IEnumerable<IRowsKeptFromDocuments> kept,
    ILogger<RebuildProjections> logger)
{
    public const int StreamsPerTransaction = 500;
    public const int EventsPerTransaction = 1000;
    /// <summary>Events read at once when they are folded in memory (nothing is written per page).</summary>
    public const int EventsPerRead = 10_000;
    /// <summary>Events applied to one session before its writes are taken and it is emptied.</summary>
    public const int EventsPerApply = 250;

    private readonly IRowsKeptFromDocuments[] _kept = [.. kept];

    public static IReadOnlyList<string> Names(IDocumentStore store) =>
        ((StoreOptions)store.Options).Projections.All.Select(projection => projection.Name).Order(StringComparer.Ordinal).ToList();

    /// <summary>The daemon's shards (their progress rows' names) of the given projections; subscriptions have none here.</summary>
    public static string[] Shards(IDocumentStore store, IEnumerable<string> projections)
    {
        var names = projections.ToHashSet(StringComparer.Ordinal);
        return [.. ((StoreOptions)store.Options).Projections.AllShards().Where(shard => names.Contains(shard.Name.Name))
            .Select(shard => shard.Name.Identity).Distinct()];
    }

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
                var phases = new Phases();
                var written = source switch
                {
                    IAggregateProjection { Scope: AggregationScope.SingleStream } aggregate =>
                        await (Task<long>)InPlaceMethod.MakeGenericMethod(aggregate.AggregateType).Invoke(this, [aggregate, name, phases, token])!,
                    IJasperFxProjection<IDocumentOperations> projection and ProjectionBase { Lifecycle: ProjectionLifecycle.Async } described
                        when WholeDocuments(source) is { } document =>
                        await (Task<long>)FoldMethod.MakeGenericMethod(document).Invoke(this, [source, projection, described, name, phases, token])!,
                    _ => await Replay(source, name, phases, token),
                };
                rebuilt.Add(new RebuiltProjection(name, written, watch.Elapsed, phases));
                logger.LogInformation("Rebuilt projection {Projection} in {Seconds:F1} s ({Phases})", name, watch.Elapsed.TotalSeconds, phases);
            });
        return [.. rebuilt.OrderBy(r => r.Name, StringComparer.Ordinal)];
    }

    /// <summary>Projections rebuilt at once: enough to keep PostgreSQL and the application busy together.</summary>
    public static int ConcurrentProjections => Math.Max(2, Environment.ProcessorCount);

    private static readonly MethodInfo InPlaceMethod =
        typeof(RebuildProjections).GetMethod(nameof(InPlace), BindingFlags.NonPublic | BindingFlags.Instance)!;

    private static readonly MethodInfo FoldMethod =
        typeof(RebuildProjections).GetMethod(nameof(Fold), BindingFlags.NonPublic | BindingFlags.Instance)!;

    /// <summary>The documents a projection writes whole, when it says so (<see cref="IWritesWholeDocuments{T}"/>).</summary>
    private static Type? WholeDocuments(object projection) => projection.GetType().GetInterfaces()
        .SingleOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IWritesWholeDocuments<>))?.GetGenericArguments()[0];

    private async Task<long> InPlace<T>(IAggregateProjection projection, string name, Phases phases, CancellationToken cancellation) where T : class
    {
        var options = (StoreOptions)store.Options;
        var events = Storage.StoreNames.EventsOf(options);
        var streamTable = store.Options.Schema.ForStreams(true);
        var table = store.Options.Schema.For(typeof(T), true);
        var serializer = options.Serializer();
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
        var follow = _kept.SelectMany(k => k.Follow(typeof(T), "?")).ToArray();
        var watch = new Stopwatch();
        foreach (var batch in streams.Order().Chunk(StreamsPerTransaction))
        {
            watch.Restart();
            await using var session = store.LightweightSession();
            await session.BeginTransactionAsync(cancellation);
            // The rows the analytics triggers keep from these documents are written once for the batch, after them.
            if (follow.Length > 0)
                foreach (var defer in _kept.Select(k => k.Defer).Distinct())
                    await session.AdvancedSql.QueryAsync<string>(defer, cancellation);
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
            phases.Add("read", watch);

            var rebuilt = new List<(Guid Id, T Document, string Json)>(batch.Length);
            foreach (var id in batch)
            {
                var document = byStream.TryGetValue(id, out var stream) ? await aggregator.BuildAsync(stream, session, null, cancellation) : null;
                if (document is null) session.Delete<T>(id);
                else rebuilt.Add((id, document, serializer.ToJson(document)));
            }
            phases.Add("fold", watch);
            // Most documents come out as they are stored: only those whose JSON differs (or that are missing) are
            // written, through Marten's own upsert. The batch's streams are locked, so none changes meanwhile.
            var differing = (await session.AdvancedSql.QueryAsync<Guid>(
                $"select r.id from unnest(?::uuid[], ?::text[]) as r(id, data) left join {table} d on d.id = r.id where d.data is distinct from r.data::jsonb",
                cancellation, rebuilt.Select(r => r.Id).ToArray(), rebuilt.Select(r => r.Json).ToArray())).ToHashSet();
            foreach (var (id, document, _) in rebuilt)
                if (differing.Contains(id)) session.Store(document);
            phases.Add("compare", watch);
            // Queued after the documents, so run after them in the same transaction.
            foreach (var statement in follow) session.QueueSqlCommand(statement, batch);
            await session.SaveChangesAsync(cancellation);
            phases.Add("write", watch);
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
    private async Task<long> Replay(IProjectionSource<IDocumentOperations, IQuerySession> source, string name, Phases phases, CancellationToken cancellation)
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
        var watch = new Stopwatch();
        while (true)
        {
            watch.Restart();
            await using var session = store.LightweightSession();
            var events = session.Events.QueryAllRawEvents().Where(e => e.Sequence > after && e.Sequence <= ceiling);
            if (handled.Length > 0) events = events.Where(e => e.EventTypesAre(handled));
            var page = await events.OrderBy(e => e.Sequence).Take(EventsPerTransaction).ToListAsync(cancellation);
            phases.Add("read", watch);
            if (page.Count == 0) break;
            await projection.ApplyAsync(session, page, cancellation);
            phases.Add("apply", watch);
            await session.SaveChangesAsync(cancellation);
            phases.Add("write", watch);
            applied += page.Count;
            after = page[^1].Sequence;
        }
        logger.LogInformation("Replayed {Projection} up to event {Sequence}", name, ceiling);
        return applied;
    }

    /// <summary>The columns of a document table as Marten 9 creates it; a table with others is replayed instead.</summary>
    private static readonly string[] DocumentColumns = ["data", "id", "mt_dotnet_type", "mt_last_modified", "mt_version"];

    /// <summary>
    /// An asynchronous projection whose events write whole documents (<see cref="IWritesWholeDocuments{T}"/>): the
    /// events up to where the daemon has got are applied through the projection's own code in memory, keeping the
    /// last write per document, and the result is written in one transaction that holds the daemon's progress row:
    /// the events the daemon applied meanwhile are folded in first, the documents are copied in (COPY) and upserted
    /// in one statement (a document whose JSON is the same is left as it is), the documents no event writes any more
    /// go, and the rows the analytics triggers keep from them are brought up to date set-wise once, the triggers
    /// being off in this transaction. The table ends as the daemon would have left it after these events, and the
    /// daemon goes on from its mark.
    /// </summary>
    private async Task<long> Fold<T>(IProjectionSource<IDocumentOperations, IQuerySession> source, IJasperFxProjection<IDocumentOperations> projection,
        ProjectionBase described, string name, Phases phases, CancellationToken cancellation) where T : class
    {
        var table = store.Options.Schema.For(typeof(T), true);
        await using var connection = await database.OpenConnectionAsync(cancellation);
        var columns = await Columns(connection, table, cancellation);
        if (!Enumerable.SequenceEqual(DocumentColumns, columns))
        {
            logger.LogWarning("{Table} has columns other than Marten's own: {Projection} is replayed event by event", table, name);
            return await Replay(source, name, phases, cancellation);
        }

        var whole = (IWritesWholeDocuments<T>)projection;
        var handled = described.IncludedEventTypes.ToArray();
        var last = new Dictionary<Guid, T?>();
        long ceiling;
        await using (var query = store.QuerySession())
            ceiling = await Ceiling(query, name, lockRow: false, cancellation);
        var applied = await FoldInto(last, projection, whole, handled, 0, ceiling, phases, cancellation);

        var watch = Stopwatch.StartNew();
        await using var transaction = await connection.BeginTransactionAsync(cancellation);
        var mark = await Ceiling(connection, name, cancellation);
        phases.Add("wait for the daemon", watch);
        // Before the daemon's first run there is nothing to rebuild (and no table to empty).
        if (mark == 0) return 0;
        if (mark > ceiling) applied += await FoldInto(last, projection, whole, handled, ceiling, mark, phases, cancellation);

        watch.Restart();
        var follow = _kept.SelectMany(k => k.Follow(typeof(T), null)).ToArray();
        if (follow.Length > 0)
            foreach (var defer in _kept.Select(k => k.Defer).Distinct())
                await Execute(connection, defer, cancellation);
        await Execute(connection, "create temp table rebuilt_documents (id uuid primary key, data jsonb not null) on commit drop", cancellation);
        var serializer = store.Options.Serializer();
        await using (var copy = await connection.BeginBinaryImportAsync("copy rebuilt_documents (id, data) from stdin (format binary)", cancellation))
        {
            foreach (var (id, document) in last)
            {
                if (document is null) continue;
                await copy.StartRowAsync(cancellation);
                await copy.WriteAsync(id, NpgsqlDbType.Uuid, cancellation);
                await copy.WriteAsync(serializer.ToJson(document), NpgsqlDbType.Jsonb, cancellation);
            }
            await copy.CompleteAsync(cancellation);
        }
        phases.Add("copy", watch);
        // What Marten's upsert function writes (the same columns), for every document at once.
        await Execute(connection, $"""
            insert into {table} as document (id, data, mt_last_modified, mt_version, mt_dotnet_type)
            select id, data, transaction_timestamp(), gen_random_uuid(), $1 from rebuilt_documents
            on conflict (id) do update set data = excluded.data, mt_last_modified = excluded.mt_last_modified,
                mt_version = excluded.mt_version, mt_dotnet_type = excluded.mt_dotnet_type
            where document.data is distinct from excluded.data or document.mt_dotnet_type is distinct from excluded.mt_dotnet_type
            """, cancellation, typeof(T).FullName!);
        await Execute(connection, $"delete from {table} document where not exists (select from rebuilt_documents r where r.id = document.id)", cancellation);
        phases.Add("write", watch);
        foreach (var statement in follow) await Execute(connection, statement, cancellation);
        phases.Add("analytics rows", watch);
        await transaction.CommitAsync(cancellation);
        phases.Add("commit", watch);
        logger.LogInformation("Folded {Projection} up to event {Sequence} into {Count} documents", name, mark, last.Count(l => l.Value is not null));
        return applied;
    }

    /// <summary>
    /// Applies the events after <paramref name="after"/> up to <paramref name="until"/> through the projection's own
    /// code, keeping only the last document (or its deletion) per id; nothing is written.
    /// </summary>
    private async Task<long> FoldInto<T>(Dictionary<Guid, T?> last, IJasperFxProjection<IDocumentOperations> projection, IWritesWholeDocuments<T> whole,
        Type[] handled, long after, long until, Phases phases, CancellationToken cancellation) where T : class
    {
        await using var session = store.LightweightSession();
        long applied = 0;
        var watch = new Stopwatch();
        while (true)
        {
            watch.Restart();
            var events = session.Events.QueryAllRawEvents().Where(e => e.Sequence > after && e.Sequence <= until);
            if (handled.Length > 0) events = events.Where(e => e.EventTypesAre(handled));
            var page = await events.OrderBy(e => e.Sequence).Take(EventsPerRead).ToListAsync(cancellation);
            phases.Add("read", watch);
            if (page.Count == 0) break;
            // A few hundred events at a time: a session's unit of work looks through the writes it holds for an
            // earlier one of each document it is given, which grows with the square of what it holds.
            foreach (var chunk in page.Chunk(EventsPerApply))
            {
                await projection.ApplyAsync(session, chunk, cancellation);
                // In the order the projection wrote them: a later write of a document replaces an earlier one.
                foreach (var operation in session.PendingChanges.Operations())
                {
                    switch (operation)
                    {
                        case IDocumentStorageOperation { Document: T document }:
                            last[whole.IdOf(document)] = document;
                            break;
                        case IDeletion { Id: Guid id } when operation.DocumentType == typeof(T):
                            last[id] = null;
                            break;
                        default:
                            throw new InvalidOperationException(
                                $"A projection said to write whole {typeof(T).Name} documents wrote something else ({operation.GetType().Name}).");
                    }
                }
                session.EjectAllPendingChanges();
            }
            phases.Add("fold", watch);
            applied += page.Count;
            after = page[^1].Sequence;
        }
        return applied;
    }

    private static async Task<string[]> Columns(NpgsqlConnection connection, string table, CancellationToken cancellation)
    {
        await using var command = new NpgsqlCommand(
            "select coalesce(array_agg(attname::text order by attname::text), '{}') from pg_attribute where attrelid = to_regclass($1) and attnum > 0 and not attisdropped",
            connection);
        command.Parameters.AddWithValue(table);
        return (string[])(await command.ExecuteScalarAsync(cancellation))!;
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken cancellation, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters) command.Parameters.AddWithValue(parameter);
        await command.ExecuteNonQueryAsync(cancellation);
    }

    /// <summary>The daemon's mark, its progress row locked until the transaction on <paramref name="connection"/> ends.</summary>
    private async Task<long> Ceiling(NpgsqlConnection connection, string name, CancellationToken cancellation)
    {
        await using var command = new NpgsqlCommand(
            $"select coalesce(max(last_seq_id), 0) from (select last_seq_id from {store.Options.Events.DatabaseSchemaName}.mt_event_progression where name like $1 for update) marks",
            connection);
        command.Parameters.AddWithValue($"{name}:%");
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellation));
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

/// <summary>
/// A projection rebuilt: the documents it rewrote in place, or the events it replayed, how long it took, and where
/// that time went (reading the events, folding or applying them in the application, writing).
/// </summary>
public sealed record RebuiltProjection(string Name, long Written, TimeSpan Took, Phases Phases);

/// <summary>The time a rebuild spent per step, summed over its batches.</summary>
public sealed class Phases
{
    private readonly List<(string Step, TimeSpan Took)> _steps = [];

    public IReadOnlyList<(string Step, TimeSpan Took)> Steps => _steps;

    /// <summary>Adds the time since the watch was last read to the step, and restarts the watch.</summary>
    public void Add(string step, Stopwatch watch)
    {
        var index = _steps.FindIndex(s => s.Step == step);
        if (index < 0) _steps.Add((step, watch.Elapsed));
        else _steps[index] = (step, _steps[index].Took + watch.Elapsed);
        watch.Restart();
    }

    public override string ToString() => string.Join(", ", _steps.Select(s => $"{s.Step} {s.Took.TotalSeconds:F1} s"));
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
