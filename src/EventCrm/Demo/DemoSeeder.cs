using System.Diagnostics;
using EventCrm.Customers;
using EventCrm.Infrastructure;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Projections;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Npgsql;

namespace EventCrm.Demo;

public sealed record SeedResult(int Customers, int Streams, long Events, TimeSpan Appending, TimeSpan Rebuilding);

/// <summary>
/// Writes demo customers into the store: events in bulk (PostgreSQL COPY, in chunks), then the read models
/// rebuilt from them, since a bulk append bypasses inline projections. Every event says it came from the
/// seed (<c>source: seed:demo</c>, user <c>demo</c>).
/// </summary>
public static class DemoSeeder
{
    public const int Chunk = 2_000;

    public static async Task<bool> IsEmpty(IDocumentStore store, CancellationToken cancellation)
    {
        await using var session = store.QuerySession();
        return !await session.Events.QueryAllRawEvents().AnyAsync(cancellation);
    }

    /// <param name="daemonRunning">
    /// True when this process's own projection daemon keeps the asynchronous projections (an application host): then
    /// only the inline read models are rebuilt, and the daemon catches up on the rest, instead of a rebuild racing it.
    /// False when nothing else runs against the store (the <c>seed</c> verb holds the application lock): then every
    /// read model is rebuilt here, and the daemon's marks are set at the last event so that it does not replay them.
    /// </param>
    public static async Task<SeedResult> Seed(IServiceProvider services, int customers, int seed,
        DateTimeOffset until, IProgress<(string Stage, double Done)>? progress, CancellationToken cancellation,
        bool daemonRunning = false)
    {
        var store = services.GetRequiredService<IDocumentStore>();
        var rules = services.GetRequiredService<CustomerRules>();
        var appending = Stopwatch.StartNew();
        var streams = 0;
        long events = 0;

        for (var start = 0; start < customers; start += Chunk)
        {
            var end = Math.Min(customers, start + Chunk);
            var actions = Streams(store, rules, start, end, seed, until);
            streams += actions.Count;
            events += actions.Sum(a => a.Events.Count);
            await store.BulkInsertEventsAsync(actions, batchSize: 20_000, cancellation);
            progress?.Report(("appending events", (double)end / customers));
        }
        appending.Stop();

        var rebuilding = Stopwatch.StartNew();
        progress?.Report(("rebuilding read models", 0));
        var projections = ((StoreOptions)store.Options).Projections.All
            .Where(p => !daemonRunning || p.Lifecycle == ProjectionLifecycle.Inline)
            .Select(p => p.Name)
            .ToList();
        // The application's own rebuild (every projection side by side, in bulk) rebuilds an asynchronous view up to
        // the daemon's mark: with no daemon running, the mark is moved to the last event first.
        if (!daemonRunning) await MarkProjected(store, services.GetRequiredService<NpgsqlDataSource>(), projections, cancellation);
        await services.GetRequiredService<RebuildProjections>().Rebuild(projections, cancellation);
        // The bulk append bypassed the sessions that claim e-mail addresses: claim them from the rebuilt profiles.
        await EmailOwnership.ClaimFromProfiles(store, cancellation);
        progress?.Report(("rebuilding read models", 1));

        return new SeedResult(customers, streams, events, appending.Elapsed, rebuilding.Elapsed);
    }

    /// <summary>
    /// Sets the daemon's marks of the rebuilt projections at the last event. Only theirs: a subscription (the audit
    /// sealer) is not a read model rebuilt here and must still see every event the seed appended.
    /// </summary>
    private static async Task MarkProjected(IDocumentStore store, NpgsqlDataSource database, IReadOnlyCollection<string> projections,
        CancellationToken cancellation)
    {
        var schema = store.Options.Events.DatabaseSchemaName;
        var shards = RebuildProjections.Shards(store, projections);
        await using var command = database.CreateCommand($"""
            insert into {schema}.mt_event_progression (name, last_seq_id, last_updated)
            select shard, (select coalesce(max(seq_id), 0) from {schema}.mt_events), now() from unnest($1::text[]) as shard
            on conflict (name) do update set last_seq_id = greatest({schema}.mt_event_progression.last_seq_id, excluded.last_seq_id),
                last_updated = excluded.last_updated
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = shards });
        await command.ExecuteNonQueryAsync(cancellation);
    }

    /// <summary>
    /// The streams of demo customers <paramref name="from"/> to <paramref name="to"/> (exclusive) with their
    /// metadata, ready for a bulk append: the same customers for the same seed and day, whatever the chunking.
    /// </summary>
    public static List<StreamAction> Streams(IDocumentStore store, CustomerRules rules, int from, int to, int seed,
        DateTimeOffset until)
    {
        var generated = new DemoStream[to - from][];
        Parallel.For(from, to, i => generated[i - from] = DemoCustomers.Generate(i, seed, until, rules).ToArray());

        var actions = new List<StreamAction>();
        foreach (var stream in generated.SelectMany(s => s))
        {
            var action = StreamAction.Start(((DocumentStore)store).Events, stream.Id, [.. stream.Events.Select(e => e.Event)]);
            action.AggregateType = stream.AggregateType;
            for (var n = 0; n < action.Events.Count; n++)
            {
                var e = action.Events[n];
                e.Timestamp = stream.Events[n].At;
                e.UserName = DemoCustomers.User;
                e.CorrelationId = $"seed-{seed}";
                e.CausationId = $"seed-{seed}-{from / Chunk}";
                e.SetHeader(CommandMetadata.SourceHeader, "seed:demo");
            }
            actions.Add(action);
        }
        return actions;
    }
}
