using EventCrm.Infrastructure.Storage;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using Npgsql;

namespace EventCrm.Audit;

/// <summary>
/// Seals every event: a Marten subscription, run by the projection daemon on one node at a time, in sequence order
/// and only below the high-water mark, so no event can still appear before the last one sealed (a sequence number
/// a rolled-back transaction took stays a gap, and stays one). For each page it reads the events' leaves generically
/// from the event table (no .NET event types involved), appends them to the tree, and queues the leaves, the
/// completed nodes and its new state on the daemon's own transaction, which also records its progress: a page is
/// sealed once or not at all. Appends never wait for it; checkpoints over what it sealed are signed separately
/// (<see cref="Checkpoints"/>).
/// </summary>
public sealed class EventSealer : SubscriptionBase
{
    public const string SubscriptionName = "EventSealer";
    private readonly IServiceProvider _services;

    public EventSealer(IServiceProvider services)
    {
        _services = services;
        Name = SubscriptionName;
        IncludeArchivedEvents = true;
        Options.BatchSize = 1000;
    }

    public override async Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller,
        IDocumentOperations operations, CancellationToken cancellationToken)
    {
        var database = _services.GetRequiredService<NpgsqlDataSource>();
        var names = _services.GetRequiredService<StoreNames>();
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var state = await SealedLog.SealState.Load(connection, cancellationToken);

        // A page the sealer has seen already (the daemon replays after a failure or a reset) seals nothing twice.
        var after = Math.Max(page.SequenceFloor, state.LastSequence);
        if (page.SequenceCeiling <= after) return NullChangeListener.Instance;

        var frontier = state.Frontier;
        List<long> indexes = [], sequences = [];
        List<Guid> ids = [];
        List<byte[]> leafHashes = [], payloads = [];
        List<byte[]?> headers = [];
        List<int> nodeLevels = [];
        List<long> nodeIndexes = [];
        List<byte[]> nodeHashes = [];

        await foreach (var leaf in SealedLog.ReadEvents(connection, names, after, page.SequenceCeiling, cancellationToken))
        {
            var hash = leaf.Hash();
            indexes.Add(frontier.Size);
            sequences.Add(leaf.Sequence);
            ids.Add(leaf.EventId);
            leafHashes.Add(hash);
            payloads.Add(leaf.PayloadHash);
            headers.Add(leaf.HeadersHash);
            frontier.Append(hash, (level, index, node) =>
            {
                if (level < SealedLog.StoredNodeLevel) return;
                nodeLevels.Add(level);
                nodeIndexes.Add(index);
                nodeHashes.Add(node);
            });
        }

        if (indexes.Count > 0)
            operations.QueueSqlCommand(
                $"insert into {SealedLog.Leaves} (leaf_index, seq, event_id, leaf_hash, payload_hash, headers_hash) " +
                "select * from unnest(?::bigint[], ?::bigint[], ?::uuid[], ?::bytea[], ?::bytea[], ?::bytea[])",
                indexes.ToArray(), sequences.ToArray(), ids.ToArray(), leafHashes.ToArray(), payloads.ToArray(), headers.ToArray());
        if (nodeLevels.Count > 0)
            operations.QueueSqlCommand(
                $"insert into {SealedLog.Nodes} (level, index, hash) select * from unnest(?::int[], ?::bigint[], ?::bytea[])",
                nodeLevels.ToArray(), nodeIndexes.ToArray(), nodeHashes.ToArray());
        // Sealed up to the page's ceiling, events or not: what lies below the high-water mark cannot change any more.
        operations.QueueSqlCommand(
            $"insert into {SealedLog.State} (id, tree_size, last_seq, frontier) values (1, ?, ?, ?::bytea[]) " +
            "on conflict (id) do update set tree_size = excluded.tree_size, last_seq = excluded.last_seq, frontier = excluded.frontier",
            frontier.Size, page.SequenceCeiling, frontier.Subtrees.ToArray());
        return NullChangeListener.Instance;
    }
}
