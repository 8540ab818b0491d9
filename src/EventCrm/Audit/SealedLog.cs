using EventCrm.Infrastructure.Storage;
using Npgsql;
using Weasel.Postgresql.Tables;

namespace EventCrm.Audit;

/// <summary>
/// The sealed log's tables (schema <c>audit</c>): a leaf per event in sequence order, the tree's stored nodes, the
/// sealer's state, the signed checkpoints, and the record of every masked payload. The application's role may
/// insert leaves, nodes and checkpoints but never change or delete one; only the sealer's one state row changes.
/// </summary>
public static class SealedLog
{
    public const string Leaves = $"{Schemas.Audit}.leaves";
    public const string Nodes = $"{Schemas.Audit}.merkle_nodes";
    public const string State = $"{Schemas.Audit}.seal_state";
    public const string Checkpoints = $"{Schemas.Audit}.checkpoints";
    public const string MaskedEvents = $"{Schemas.Audit}.masked_events";

    /// <summary>
    /// Perfect subtrees of 2^8 leaves and more are stored as they complete; smaller ones are hashed from the leaves
    /// when a proof needs them (at most 255 leaves), so the nodes add under 1 % to the leaves.
    /// </summary>
    public const int StoredNodeLevel = 8;

    public static IEnumerable<Table> Tables()
    {
        var leaves = new Table(Leaves);
        leaves.AddColumn<long>("leaf_index").AsPrimaryKey();
        leaves.AddColumn<long>("seq").NotNull().AddIndex(index => index.IsUnique = true);
        leaves.AddColumn<Guid>("event_id").NotNull().AddIndex();
        leaves.AddColumn("leaf_hash", "bytea").NotNull();
        leaves.AddColumn("payload_hash", "bytea").NotNull();
        leaves.AddColumn("headers_hash", "bytea");
        yield return leaves;

        var nodes = new Table(Nodes);
        nodes.AddColumn<int>("level").AsPrimaryKey();
        nodes.AddColumn<long>("index").AsPrimaryKey();
        nodes.AddColumn("hash", "bytea").NotNull();
        yield return nodes;

        var state = new Table(State);
        state.AddColumn<int>("id").AsPrimaryKey();
        state.AddColumn<long>("tree_size").NotNull();
        state.AddColumn<long>("last_seq").NotNull();
        state.AddColumn("frontier", "bytea[]").NotNull();
        yield return state;

        var checkpoints = new Table(Checkpoints);
        checkpoints.AddColumn<long>("tree_size").AsPrimaryKey();
        checkpoints.AddColumn("root", "bytea").NotNull();
        checkpoints.AddColumn<long>("last_seq").NotNull();
        checkpoints.AddColumn("sealed_at", "timestamptz").NotNull();
        checkpoints.AddColumn<string>("key_id").NotNull();
        checkpoints.AddColumn("signature", "bytea").NotNull();
        checkpoints.AddColumn<string>("note").NotNull();
        yield return checkpoints;

        var masked = new Table(MaskedEvents);
        masked.AddColumn("id", "bigserial").AsPrimaryKey();
        masked.AddColumn<long>("seq").NotNull().AddIndex();
        masked.AddColumn<Guid>("stream_id").NotNull();
        masked.AddColumn<long>("erasure_seq").NotNull();
        masked.AddColumn("payload_before", "bytea").NotNull();
        masked.AddColumn("payload_after", "bytea").NotNull();
        masked.AddColumn("headers_before", "bytea");
        masked.AddColumn("headers_after", "bytea").NotNull();
        masked.AddColumn("masked_at", "timestamptz").NotNull();
        masked.AddColumn<string>("masked_by").NotNull();
        yield return masked;
    }

    /// <summary>
    /// The events of a sequence range (after $1, up to $2) as leaves: the fields read as stored, the headers and
    /// payload hashed by PostgreSQL over their <c>jsonb</c> text, so no payload crosses the wire.
    /// </summary>
    public static string EventLeaves(StoreNames names) => $"""
        select e.seq_id, e.id, e.stream_id, s.type, e.version, e.type, e.timestamp, e.user_name, e.correlation_id,
               e.causation_id,
               case when e.headers is null then null else sha256(convert_to(e.headers::text, 'UTF8')) end,
               sha256(convert_to(e.data::text, 'UTF8'))
        from {names.Events} e left join {names.Streams} s on s.id = e.stream_id
        where e.seq_id > $1 and e.seq_id <= $2
        order by e.seq_id
        """;

    public static EventLeaf ReadLeaf(NpgsqlDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetGuid(1),
        reader.GetGuid(2),
        reader.IsDBNull(3) ? null : reader.GetString(3),
        reader.GetInt64(4),
        reader.GetString(5),
        reader.GetFieldValue<DateTimeOffset>(6),
        reader.IsDBNull(7) ? null : reader.GetString(7),
        reader.IsDBNull(8) ? null : reader.GetString(8),
        reader.IsDBNull(9) ? null : reader.GetString(9),
        reader.IsDBNull(10) ? null : (byte[])reader[10],
        (byte[])reader[11]);

    public static async IAsyncEnumerable<EventLeaf> ReadEvents(NpgsqlConnection connection, StoreNames names, long after,
        long upTo, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellation)
    {
        await using var command = new NpgsqlCommand(EventLeaves(names), connection);
        command.Parameters.AddWithValue(after);
        command.Parameters.AddWithValue(upTo);
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation)) yield return ReadLeaf(reader);
    }

    /// <summary>The tree as the sealer left it: its size, the last sequence sealed, and its right edge.</summary>
    public sealed record SealState(long TreeSize, long LastSequence, Frontier Frontier)
    {
        public static async Task<SealState> Load(NpgsqlConnection connection, CancellationToken cancellation, bool forUpdate = false,
            NpgsqlTransaction? transaction = null)
        {
            await using var command = new NpgsqlCommand(
                $"select tree_size, last_seq, frontier from {State} where id = 1{(forUpdate ? " for update" : "")}", connection, transaction);
            await using var reader = await command.ExecuteReaderAsync(cancellation);
            if (!await reader.ReadAsync(cancellation)) return new SealState(0, 0, new Frontier(0, []));
            var size = reader.GetInt64(0);
            return new SealState(size, reader.GetInt64(1), new Frontier(size, reader.GetFieldValue<byte[][]>(2)));
        }
    }

    /// <summary>The hash of a subtree (start, size) of the tree as stored: a stored node, or hashed from its leaves.</summary>
    public sealed class StoredTree(NpgsqlConnection connection)
    {
        public async Task<byte[]> Subtree(long start, long size)
        {
            // A perfect, aligned subtree of a stored height is one row.
            if ((size & (size - 1)) == 0 && start % size == 0)
            {
                var level = System.Numerics.BitOperations.Log2((ulong)size);
                if (level >= StoredNodeLevel)
                {
                    await using var node = new NpgsqlCommand($"select hash from {Nodes} where level = $1 and index = $2", connection);
                    node.Parameters.AddWithValue(level);
                    node.Parameters.AddWithValue(start / size);
                    if (await node.ExecuteScalarAsync() is byte[] hash) return hash;
                }
            }
            if (size > 1 << StoredNodeLevel)
            {
                var k = MerkleTree.Split(size);
                var left = await Subtree(start, k);
                var right = await Subtree(start + k, size - k);
                return MerkleTree.NodeHash(left, right);
            }
            await using var command = new NpgsqlCommand(
                $"select leaf_hash from {Leaves} where leaf_index >= $1 and leaf_index < $2 order by leaf_index", connection);
            command.Parameters.AddWithValue(start);
            command.Parameters.AddWithValue(start + size);
            var leaves = new List<byte[]>();
            await using (var reader = await command.ExecuteReaderAsync())
                while (await reader.ReadAsync()) leaves.Add((byte[])reader[0]);
            if (leaves.Count != size)
                throw new InvalidOperationException($"The sealed log has {leaves.Count} of the leaves {start} to {start + size - 1}.");
            return MerkleTree.Root(leaves, 0, size);
        }
    }
}
