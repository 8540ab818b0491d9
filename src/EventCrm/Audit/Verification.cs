using System.Diagnostics;
using System.Text.Json;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using EventCrm.Infrastructure.Storage;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace EventCrm.Audit;

/// <summary>The ways the event log can differ from what was sealed.</summary>
public static class MismatchKinds
{
    /// <summary>The event at a sealed sequence is not the one sealed there (payload, headers or metadata changed).</summary>
    public const string Modified = "modified";

    /// <summary>A sealed event is gone.</summary>
    public const string Missing = "missing";

    /// <summary>An event sits at a sequence the sealer passed without sealing anything there.</summary>
    public const string Inserted = "inserted";

    /// <summary>A sealed event is still there, at another sequence.</summary>
    public const string Reordered = "reordered";

    /// <summary>A checkpoint's signature does not verify with the published keys, or its note does not say what it claims.</summary>
    public const string CheckpointSignature = "checkpoint-signature";

    /// <summary>A checkpoint's root is not the root of the sealed leaves at its size: the sealed log itself was changed.</summary>
    public const string CheckpointInconsistent = "checkpoint-inconsistent";
}

/// <summary>One difference: its kind, where (a sequence, or a checkpoint's tree size), and what differs.</summary>
public sealed record Mismatch(string Kind, long? Sequence, long? TreeSize, string Detail);

/// <summary>An event whose payload a recorded erasure masked: not an alteration, since the hash it was sealed with is kept.</summary>
public sealed record MaskedEvent(long Sequence, Guid StreamId, long ErasureSequence, string ErasureType, long MaskingSequence);

/// <summary>What verification found, in the sequence range asked for (checkpoints are always checked over the whole tree).</summary>
public sealed record VerificationReport(
    bool Ok,
    long From,
    long To,
    long EventsChecked,
    long LeavesChecked,
    int CheckpointsChecked,
    long TreeSize,
    long SealedUpTo,
    IReadOnlyList<MaskedEvent> Masked,
    Mismatch? FirstMismatch,
    int MismatchCount,
    IReadOnlyList<Mismatch> Mismatches,
    IReadOnlyList<string> Warnings,
    double Seconds);

/// <summary>
/// Recomputes the sealed log and compares: every event's leaf against the leaf sealed at its sequence (an event whose
/// payload differs is accepted only when a sealed masking record and an erasure after it in its stream explain it),
/// every checkpoint's root against the root of the stored leaves at its size, and every checkpoint's signature. An
/// auditor's own copy of a checkpoint (<c>audit verify --checkpoint FILE</c>) is checked the same way, so a log
/// rebuilt from scratch, leaves, roots and all, is caught by any checkpoint signed before. All of it is read in one
/// snapshot.
/// </summary>
public sealed class AuditVerifier(NpgsqlDataSource database, StoreNames names, ErasureEvents erasures, AuditKeys keys,
    AuditRules rules)
{
    public const int ReportedMismatches = 100;
    private const long Chunk = 20_000;

    public async Task<VerificationReport> Verify(long? from, long? to, IReadOnlyList<Checkpoint>? external,
        CancellationToken cancellation)
    {
        var watch = Stopwatch.StartNew();
        await using var connection = await database.OpenConnectionAsync(cancellation);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellation);
        var state = await SealedLog.SealState.Load(connection, cancellation, transaction: transaction);
        var mismatches = new List<Mismatch>();
        var warnings = new List<string>();
        var masked = new List<MaskedEvent>();

        var low = Math.Max(0, (from ?? 1) - 1);
        var high = Math.Min(to ?? state.LastSequence, state.LastSequence);
        if (state.LastSequence == 0) warnings.Add("Nothing is sealed yet.");
        if (keys.ActiveKeyId is null) warnings.Add("No checkpoint signing key is configured: no new checkpoints are signed.");

        var explanations = await Explanations(connection, cancellation);
        long events = 0, leaves = 0;
        var suspects = new Suspects();
        for (var after = low; after < high; after += Chunk)
        {
            var upTo = Math.Min(high, after + Chunk);
            var sealedLeaves = await Leaves(connection, after, upTo, cancellation);
            leaves += sealedLeaves.Count;
            var seen = new HashSet<long>();
            await foreach (var e in SealedLog.ReadEvents(connection, names, after, upTo, cancellation))
            {
                events++;
                seen.Add(e.Sequence);
                if (!sealedLeaves.TryGetValue(e.Sequence, out var leaf))
                {
                    suspects.Unsealed.Add(e);
                    continue;
                }
                if (leaf.EventId != e.EventId)
                {
                    suspects.Replaced.Add((e, leaf));
                    continue;
                }
                if (e.Hash().AsSpan().SequenceEqual(leaf.LeafHash)) continue;

                var sealedContent = e.WithContent(leaf.HeadersHash, leaf.PayloadHash);
                var contentChanged = !e.PayloadHash.AsSpan().SequenceEqual(leaf.PayloadHash) ||
                                     !SameHash(e.HeadersHash, leaf.HeadersHash);
                if (contentChanged && sealedContent.Hash().AsSpan().SequenceEqual(leaf.LeafHash))
                {
                    if (explanations.Explain(e, leaf) is { } explained) masked.Add(explained);
                    else mismatches.Add(new Mismatch(MismatchKinds.Modified, e.Sequence, null,
                        !e.PayloadHash.AsSpan().SequenceEqual(leaf.PayloadHash)
                            ? "The payload differs from the one sealed, and no recorded erasure masked it."
                            : "The headers differ from the ones sealed, and no recorded erasure masked them."));
                }
                else
                {
                    mismatches.Add(new Mismatch(MismatchKinds.Modified, e.Sequence, null,
                        "The metadata (stream, version, type, time, user, correlation or causation) differs from what was sealed."));
                }
            }
            foreach (var leaf in sealedLeaves.Values.Where(l => !seen.Contains(l.Sequence))) suspects.Gone.Add(leaf);
        }
        mismatches.AddRange(await suspects.Classify(connection, names, cancellation));

        var checkpointsChecked = await CheckCheckpoints(connection, state, external ?? [], mismatches, cancellation);
        await transaction.CommitAsync(cancellation);

        var ordered = mismatches.OrderBy(m => m.Sequence ?? long.MaxValue).ThenBy(m => m.TreeSize).ToList();
        return new VerificationReport(ordered.Count == 0, low + 1, high, events, leaves, checkpointsChecked, state.TreeSize,
            state.LastSequence, masked, ordered.FirstOrDefault(), ordered.Count, [.. ordered.Take(ReportedMismatches)], warnings,
            Math.Round(watch.Elapsed.TotalSeconds, 3));
    }

    private static bool SameHash(byte[]? a, byte[]? b) => a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);

    private sealed record SealedLeaf(long Index, long Sequence, Guid EventId, byte[] LeafHash, byte[] PayloadHash, byte[]? HeadersHash);

    private static async Task<Dictionary<long, SealedLeaf>> Leaves(NpgsqlConnection connection, long after, long upTo,
        CancellationToken cancellation)
    {
        await using var command = new NpgsqlCommand(
            $"select leaf_index, seq, event_id, leaf_hash, payload_hash, headers_hash from {SealedLog.Leaves} where seq > $1 and seq <= $2",
            connection);
        command.Parameters.AddWithValue(after);
        command.Parameters.AddWithValue(upTo);
        var leaves = new Dictionary<long, SealedLeaf>();
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation))
            leaves[reader.GetInt64(1)] = new SealedLeaf(reader.GetInt64(0), reader.GetInt64(1), reader.GetGuid(2), (byte[])reader[3],
                (byte[])reader[4], reader.IsDBNull(5) ? null : (byte[])reader[5]);
        return leaves;
    }

    /// <summary>Events and leaves that did not pair up at their sequence, resolved by event id once the pass is over.</summary>
    private sealed class Suspects
    {
        public List<EventLeaf> Unsealed { get; } = [];
        public List<(EventLeaf Event, SealedLeaf Leaf)> Replaced { get; } = [];
        public List<SealedLeaf> Gone { get; } = [];

        public async Task<List<Mismatch>> Classify(NpgsqlConnection connection, StoreNames names, CancellationToken cancellation)
        {
            var found = new List<Mismatch>();
            if (Unsealed.Count + Replaced.Count + Gone.Count == 0) return found;

            // Where each event now is, and where each was sealed.
            var sealedAt = await Lookup(connection, $"select event_id, seq from {SealedLog.Leaves} where event_id = any($1)",
                [.. Unsealed.Select(e => e.EventId), .. Replaced.Select(r => r.Event.EventId)], cancellation);
            var nowAt = await Lookup(connection, $"select id, seq_id from {names.Events} where id = any($1)",
                [.. Gone.Select(l => l.EventId), .. Replaced.Select(r => r.Leaf.EventId)], cancellation);

            foreach (var e in Unsealed)
                found.Add(sealedAt.TryGetValue(e.EventId, out var original)
                    ? new Mismatch(MismatchKinds.Reordered, e.Sequence, null, $"Event {e.EventId} was sealed at sequence {original}.")
                    : new Mismatch(MismatchKinds.Inserted, e.Sequence, null, $"Event {e.EventId} ({e.Type}) was never sealed at this sequence."));
            foreach (var (e, leaf) in Replaced)
                found.Add(sealedAt.TryGetValue(e.EventId, out var original)
                    ? new Mismatch(MismatchKinds.Reordered, e.Sequence, null,
                        $"Event {e.EventId} was sealed at sequence {original}; event {leaf.EventId} was sealed here" +
                        (nowAt.TryGetValue(leaf.EventId, out var moved) ? $" and is now at sequence {moved}." : "."))
                    : new Mismatch(MismatchKinds.Modified, e.Sequence, null,
                        $"The event here is {e.EventId}; event {leaf.EventId} was sealed here."));
            foreach (var leaf in Gone)
                found.Add(nowAt.TryGetValue(leaf.EventId, out var moved)
                    ? new Mismatch(MismatchKinds.Reordered, leaf.Sequence, null, $"Event {leaf.EventId}, sealed here, is now at sequence {moved}.")
                    : new Mismatch(MismatchKinds.Missing, leaf.Sequence, null, $"Event {leaf.EventId}, sealed here, is gone."));
            return found;
        }

        private static async Task<Dictionary<Guid, long>> Lookup(NpgsqlConnection connection, string sql, Guid[] ids,
            CancellationToken cancellation)
        {
            var map = new Dictionary<Guid, long>();
            if (ids.Length == 0) return map;
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddWithValue(ids);
            await using var reader = await command.ExecuteReaderAsync(cancellation);
            while (await reader.ReadAsync(cancellation)) map[reader.GetGuid(0)] = reader.GetInt64(1);
            return map;
        }
    }

    /// <summary>The sealed masking records and the erasures they rest on, by the sequence of each masked event.</summary>
    private sealed class MaskingRecords(Dictionary<long, List<(long Masking, MaskedPayload Payload, EventsMasked Record)>> bySequence,
        Dictionary<long, (Guid Stream, long Version, string Type)> erasures)
    {
        public MaskedEvent? Explain(EventLeaf current, SealedLeaf leaf)
        {
            if (!bySequence.TryGetValue(current.Sequence, out var records)) return null;
            // A chain of maskings from what was sealed to what is stored now (a later rule may mask again).
            var payload = Convert.ToHexStringLower(leaf.PayloadHash);
            var headers = leaf.HeadersHash is null ? null : Convert.ToHexStringLower(leaf.HeadersHash);
            (long Masking, MaskedPayload Payload, EventsMasked Record)? last = null;
            foreach (var record in records.OrderBy(r => r.Masking))
            {
                if (record.Payload.PayloadBefore != payload || record.Payload.HeadersBefore != headers) continue;
                if (!erasures.TryGetValue(record.Record.ErasureSequence, out var erasure) ||
                    erasure.Stream != current.StreamId || erasure.Version <= current.Version) continue;
                (payload, headers, last) = (record.Payload.PayloadAfter, record.Payload.HeadersAfter, record);
            }
            if (last is not { } found || payload != Convert.ToHexStringLower(current.PayloadHash) ||
                headers != (current.HeadersHash is null ? null : Convert.ToHexStringLower(current.HeadersHash)))
                return null;
            return new MaskedEvent(current.Sequence, current.StreamId, found.Record.ErasureSequence,
                erasures[found.Record.ErasureSequence].Type, found.Masking);
        }
    }

    private async Task<MaskingRecords> Explanations(NpgsqlConnection connection, CancellationToken cancellation)
    {
        var bySequence = new Dictionary<long, List<(long, MaskedPayload, EventsMasked)>>();
        await using (var command = new NpgsqlCommand($"select seq_id, data::text from {names.Events} where type = $1", connection))
        {
            command.Parameters.AddWithValue(erasures.MaskingType);
            await using var reader = await command.ExecuteReaderAsync(cancellation);
            while (await reader.ReadAsync(cancellation))
            {
                var record = JsonSerializer.Deserialize<EventsMasked>(reader.GetString(1), Json)!;
                foreach (var payload in record.Events)
                {
                    if (!bySequence.TryGetValue(payload.Sequence, out var list)) bySequence[payload.Sequence] = list = [];
                    list.Add((reader.GetInt64(0), payload, record));
                }
            }
        }
        var erasureEvents = new Dictionary<long, (Guid, long, string)>();
        await using (var command = new NpgsqlCommand($"select seq_id, stream_id, version, type from {names.Events} where type = any($1)", connection))
        {
            command.Parameters.AddWithValue(erasures.TypeNames.ToArray());
            await using var reader = await command.ExecuteReaderAsync(cancellation);
            while (await reader.ReadAsync(cancellation))
                erasureEvents[reader.GetInt64(0)] = (reader.GetGuid(1), reader.GetInt64(2), reader.GetString(3));
        }
        return new MaskingRecords(bySequence, erasureEvents);
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Every stored checkpoint and every given one: its signature, and its root against the root of the stored
    /// leaves at its size (one pass over the leaves, in order).
    /// </summary>
    private async Task<int> CheckCheckpoints(NpgsqlConnection connection, SealedLog.SealState state,
        IReadOnlyList<Checkpoint> external, List<Mismatch> mismatches, CancellationToken cancellation)
    {
        var stored = new List<Checkpoint>();
        await using (var command = new NpgsqlCommand(
            $"select tree_size, root, last_seq, sealed_at, key_id, signature, note from {SealedLog.Checkpoints} order by tree_size", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellation))
            while (await reader.ReadAsync(cancellation))
                stored.Add(new Checkpoint(reader.GetInt64(0), Convert.ToHexStringLower((byte[])reader[1]), reader.GetInt64(2),
                    reader.GetFieldValue<DateTimeOffset>(3), reader.GetString(4), Convert.ToBase64String((byte[])reader[5]),
                    reader.GetString(6)));

        var all = stored.Select(c => (Checkpoint: c, Source: "stored")).Concat(external.Select(c => (Checkpoint: c, Source: "given"))).ToList();
        foreach (var (checkpoint, source) in all)
            if (!checkpoint.IsSignedBy(keys, rules.Origin))
                mismatches.Add(new Mismatch(MismatchKinds.CheckpointSignature, null, checkpoint.TreeSize,
                    $"The {source} checkpoint of {checkpoint.TreeSize} leaves (key {checkpoint.KeyId}) is not signed by a published key, or its fields are not what its note says."));

        var sizes = all.Select(c => c.Checkpoint.TreeSize).Distinct().Order().ToList();
        var roots = new Dictionary<long, byte[]>();
        var frontier = new Frontier(0, []);
        var next = 0;
        await using (var command = new NpgsqlCommand($"select leaf_index, leaf_hash from {SealedLog.Leaves} order by leaf_index", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellation))
        {
            while (next < sizes.Count && sizes[next] == 0) next++;
            while (next < sizes.Count && await reader.ReadAsync(cancellation))
            {
                if (reader.GetInt64(0) != frontier.Size)
                {
                    mismatches.Add(new Mismatch(MismatchKinds.CheckpointInconsistent, null, frontier.Size,
                        $"The sealed leaves skip from index {frontier.Size - 1} to {reader.GetInt64(0)}: leaves were removed from the sealed log."));
                    break;
                }
                frontier.Append((byte[])reader[1]);
                while (next < sizes.Count && sizes[next] == frontier.Size) roots[sizes[next++]] = frontier.Root();
            }
        }
        foreach (var (checkpoint, source) in all)
        {
            if (!roots.TryGetValue(checkpoint.TreeSize, out var root))
                mismatches.Add(new Mismatch(MismatchKinds.CheckpointInconsistent, null, checkpoint.TreeSize,
                    $"The {source} checkpoint covers {checkpoint.TreeSize} leaves; the sealed log has fewer."));
            else if (!root.AsSpan().SequenceEqual(checkpoint.RootBytes()))
                mismatches.Add(new Mismatch(MismatchKinds.CheckpointInconsistent, null, checkpoint.TreeSize,
                    $"The root of the sealed leaves at {checkpoint.TreeSize} is not the {source} checkpoint's: the sealed log was changed after it was signed."));
        }
        return all.Count;
    }
}

public static class VerifyEndpoint
{
    public static ProblemDetails Validate(long? from, long? to)
    {
        var errors = new FieldErrors();
        if (from < 1) errors.Add("from", "'from' is a sequence number, 1 or more.");
        if (to < 1) errors.Add("to", "'to' is a sequence number, 1 or more.");
        if (from > to) errors.Add("to", "'to' must not be before 'from'.");
        return errors.ToProblem();
    }

    [WolverineGet("/api/audit/verify", OperationId = "VerifyEventLog", Summary = "Check the event log against what was sealed",
        Description = "Recomputes every sealed event's leaf in the sequence range (all of them by default), the root of every checkpoint and its signature; answers ok, what was checked, the first mismatch with its kind (modified, missing, inserted, reordered, checkpoint-signature, checkpoint-inconsistent) and the events masked by a recorded erasure.")]
    [Authorize(Policy = Policies.Audit)]
    [Tags("Audit")]
    public static Task<VerificationReport> Get(long? from, long? to, AuditVerifier verifier, CancellationToken cancellation) =>
        verifier.Verify(from, to, null, cancellation);
}
