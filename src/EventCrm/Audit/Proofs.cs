using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using EventCrm.Infrastructure.Storage;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace EventCrm.Audit;

/// <summary>
/// One event as it was sealed, with everything needed to rebuild its leaf: the fields as stored, the hashes it was
/// sealed with, and the headers and payload as stored now (their <c>jsonb</c> text). When an erasure masked the
/// payload since, <paramref name="Masked"/> says which erasure, and the payload no longer matches its sealed hash.
/// </summary>
public sealed record SealedEvent(
    long Index,
    long Sequence,
    Guid EventId,
    Guid StreamId,
    string? StreamType,
    long Version,
    string Type,
    string Timestamp,
    string? User,
    string? CorrelationId,
    string? CausationId,
    string? HeadersHash,
    string PayloadHash,
    string? Headers,
    string Payload,
    MaskedSince? Masked);

/// <summary>The erasure event, and the sealed record of the masking, that explain a payload that no longer matches its hash.</summary>
public sealed record MaskedSince(long ErasureSequence, long MaskingSequence);

/// <summary>That the event is leaf <c>Leaf.Index</c> of the tree the checkpoint signed: the audit path, nearest sibling first (hex).</summary>
public sealed record InclusionProof(SealedEvent Leaf, string LeafHash, long TreeSize, IReadOnlyList<string> Path, Checkpoint Checkpoint);

/// <summary>That the tree of <c>From</c> is a prefix of the tree of <c>To</c>: nothing sealed before was changed since (RFC 9162 2.1.4).</summary>
public sealed record ConsistencyProof(Checkpoint From, Checkpoint To, IReadOnlyList<string> Path);

/// <summary>Proofs for exports: one checkpoint, the keys to check it, an inclusion proof per sealed event.</summary>
public sealed record ExportEvidence(Checkpoint? Checkpoint, PublishedKeys Keys, IReadOnlyList<InclusionProof> Proofs,
    IReadOnlyList<long> NotYetCheckpointed, string HowToCheck);

/// <summary>Inclusion and consistency proofs over the stored tree (RFC 6962 / RFC 9162).</summary>
public sealed class Proofs(NpgsqlDataSource database, StoreNames names, Checkpoints checkpoints, AuditKeys keys, ErasureEvents erasures)
{
    public const string HowToCheck =
        "python3 docs/audit-proofs.py export FILE --keys KEYS (standard library only; see docs/audit.md): rebuilds each event's leaf, walks its audit path to the checkpoint's root and checks the checkpoint's ES256 signature.";

    /// <summary>The proof that the event at <paramref name="sequence"/> is in the checkpoint of <paramref name="treeSize"/> (default: the latest).</summary>
    public async Task<InclusionProof?> Inclusion(long sequence, long? treeSize, CancellationToken cancellation)
    {
        var checkpoint = treeSize is { } size ? await checkpoints.Read(size, cancellation) : await checkpoints.Latest(cancellation);
        if (checkpoint is null) return null;
        return (await Inclusions([sequence], checkpoint, cancellation)).SingleOrDefault();
    }

    /// <summary>Proofs of every event in <paramref name="sequences"/> that the checkpoint covers; the others are left out.</summary>
    public async Task<List<InclusionProof>> Inclusions(IReadOnlyCollection<long> sequences, Checkpoint checkpoint,
        CancellationToken cancellation)
    {
        await using var connection = await database.OpenConnectionAsync(cancellation);
        var leaves = await Leaves(connection, sequences, checkpoint.TreeSize, cancellation);
        var masked = await Maskings(connection, [.. leaves.Select(l => l.Leaf.Sequence)], cancellation);
        var tree = new SealedLog.StoredTree(connection);
        var proofs = new List<InclusionProof>();
        foreach (var (leaf, hash) in leaves)
        {
            var path = await MerkleTree.InclusionProof(leaf.Index, checkpoint.TreeSize, tree.Subtree);
            proofs.Add(new InclusionProof(leaf with { Masked = masked.GetValueOrDefault(leaf.Sequence) }, hash,
                checkpoint.TreeSize, [.. path.Select(Convert.ToHexStringLower)], checkpoint));
        }
        return proofs;
    }

    public async Task<ConsistencyProof?> Consistency(long from, long to, CancellationToken cancellation)
    {
        var (first, second) = (await checkpoints.Read(from, cancellation), await checkpoints.Read(to, cancellation));
        if (first is null || second is null) return null;
        await using var connection = await database.OpenConnectionAsync(cancellation);
        var path = await MerkleTree.ConsistencyProof(from, to, new SealedLog.StoredTree(connection).Subtree);
        return new ConsistencyProof(first, second, [.. path.Select(Convert.ToHexStringLower)]);
    }

    /// <summary>Evidence for an export of these streams' events: against the latest checkpoint, with the keys.</summary>
    public async Task<ExportEvidence> ForExport(IReadOnlyCollection<long> sequences, CancellationToken cancellation)
    {
        var checkpoint = await checkpoints.Latest(cancellation);
        var proofs = checkpoint is null ? [] : await Inclusions(sequences, checkpoint, cancellation);
        var proven = proofs.Select(p => p.Leaf.Sequence).ToHashSet();
        return new ExportEvidence(checkpoint, new PublishedKeys(keys.Published), proofs,
            [.. sequences.Where(s => !proven.Contains(s)).Order()], HowToCheck);
    }

    private async Task<List<(SealedEvent Leaf, string LeafHash)>> Leaves(NpgsqlConnection connection, IReadOnlyCollection<long> sequences,
        long treeSize, CancellationToken cancellation)
    {
        await using var command = new NpgsqlCommand($"""
            select l.leaf_index, e.seq_id, e.id, e.stream_id, s.type, e.version, e.type, e.timestamp, e.user_name,
                   e.correlation_id, e.causation_id, l.headers_hash, l.payload_hash, e.headers::text, e.data::text, l.leaf_hash
            from {SealedLog.Leaves} l
            join {names.Events} e on e.seq_id = l.seq
            left join {names.Streams} s on s.id = e.stream_id
            where l.seq = any($1) and l.leaf_index < $2
            order by l.leaf_index
            """, connection);
        command.Parameters.AddWithValue(sequences.ToArray());
        command.Parameters.AddWithValue(treeSize);
        var leaves = new List<(SealedEvent, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation))
            leaves.Add((new SealedEvent(
                reader.GetInt64(0), reader.GetInt64(1), reader.GetGuid(2), reader.GetGuid(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.GetInt64(5), reader.GetString(6), EventLeaf.Time(reader.GetFieldValue<DateTimeOffset>(7)),
                reader.IsDBNull(8) ? null : reader.GetString(8), reader.IsDBNull(9) ? null : reader.GetString(9),
                reader.IsDBNull(10) ? null : reader.GetString(10), reader.IsDBNull(11) ? null : Convert.ToHexStringLower((byte[])reader[11]),
                Convert.ToHexStringLower((byte[])reader[12]), reader.IsDBNull(13) ? null : reader.GetString(13), reader.GetString(14),
                null), Convert.ToHexStringLower((byte[])reader[15])));
        return leaves;
    }

    /// <summary>For the masked ones among these events: the erasure and the sealed masking record.</summary>
    private async Task<Dictionary<long, MaskedSince>> Maskings(NpgsqlConnection connection, long[] sequences, CancellationToken cancellation)
    {
        await using var command = new NpgsqlCommand($"""
            select (m.payload ->> 'sequence')::bigint, (e.data ->> 'erasureSequence')::bigint, e.seq_id
            from {names.Events} e cross join lateral jsonb_array_elements(e.data -> 'events') m(payload)
            where e.type = $1 and (m.payload ->> 'sequence')::bigint = any($2)
            order by e.seq_id
            """, connection);
        command.Parameters.AddWithValue(erasures.MaskingType);
        command.Parameters.AddWithValue(sequences);
        var found = new Dictionary<long, MaskedSince>();
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation)) found[reader.GetInt64(0)] = new MaskedSince(reader.GetInt64(1), reader.GetInt64(2));
        return found;
    }
}

public static class ProofEndpoints
{
    [WolverineGet("/api/audit/events/{sequence}/proof", OperationId = "GetInclusionProof", Summary = "Proof that an event is in the sealed log",
        Description = "The event as sealed, its leaf hash and its audit path to the root of a checkpoint (treeSize; the latest by default). docs/audit-proofs.py checks it with the standard library of Python.")]
    [Authorize(Policy = Policies.Audit)]
    [Tags("Audit")]
    public static async Task<Results<Ok<InclusionProof>, ProblemHttpResult>> Inclusion(long sequence, long? treeSize, Proofs proofs,
        CancellationToken cancellation) =>
        await proofs.Inclusion(sequence, treeSize, cancellation) is { } proof
            ? TypedResults.Ok(proof)
            : TypedResults.Problem(Problems.NotFound(treeSize is { } size
                ? $"No checkpoint of {size} leaves covers an event with sequence {sequence}."
                : $"No checkpoint covers an event with sequence {sequence} yet: events are sealed, and checkpoints signed, moments after they are appended."));

    [WolverineGet("/api/audit/checkpoints/consistency", OperationId = "GetConsistencyProof", Summary = "Proof that a checkpoint extends an earlier one",
        Description = "The RFC 9162 consistency proof between the checkpoints of 'from' and 'to' leaves: the later tree keeps every leaf of the earlier one unchanged.")]
    [Authorize(Policy = Policies.Audit)]
    [Tags("Audit")]
    public static async Task<Results<Ok<ConsistencyProof>, ProblemHttpResult>> Consistency(long? from, long? to, Proofs proofs,
        CancellationToken cancellation)
    {
        var errors = new FieldErrors();
        if (from is null or < 1) errors.Add("from", "'from' is the tree size of the earlier checkpoint, 1 or more.");
        if (to is null or < 1) errors.Add("to", "'to' is the tree size of the later checkpoint, 1 or more.");
        if (from > to) errors.Add("to", "'to' must not be smaller than 'from'.");
        if (errors.Any) return TypedResults.Problem(errors.ToProblem());
        return await proofs.Consistency(from!.Value, to!.Value, cancellation) is { } proof
            ? TypedResults.Ok(proof)
            : TypedResults.Problem(Problems.NotFound($"There is no checkpoint of {from} or of {to} leaves (GET /api/audit/checkpoints lists them)."));
    }
}
