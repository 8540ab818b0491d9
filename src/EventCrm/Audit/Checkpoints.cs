using System.Globalization;
using System.Text;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace EventCrm.Audit;

/// <summary>
/// A signed statement of the sealed log at one size: the root of the Merkle tree over its first
/// <paramref name="TreeSize"/> leaves. <paramref name="Note"/> is what was signed, in the shape of a transparency
/// log checkpoint (C2SP tlog-checkpoint): the origin, the size, the root in base64, then the time and the last
/// sequence sealed. Checkpoints are not events and not leaves: the tree covers the events alone, whenever
/// checkpoints were signed, and each checkpoint is checked by its signature and, through the tree, against every later
/// one (consistency).
/// </summary>
public sealed record Checkpoint(long TreeSize, string Root, long LastSequence, DateTimeOffset SealedAt, string KeyId,
    string Signature, string Note)
{
    public static string NoteFor(string origin, long treeSize, byte[] root, DateTimeOffset sealedAt, long lastSequence) =>
        $"{origin}\n{treeSize.ToString(CultureInfo.InvariantCulture)}\n{Convert.ToBase64String(root)}\n" +
        $"time {EventLeaf.Time(sealedAt)}\nlast-sequence {lastSequence.ToString(CultureInfo.InvariantCulture)}\n";

    public byte[] RootBytes() => Convert.FromHexString(Root);

    /// <summary>The signature is over the note, and the note states what the other fields say.</summary>
    public bool IsSignedBy(AuditKeys keys, string origin) =>
        Note == NoteFor(origin, TreeSize, RootBytes(), SealedAt, LastSequence) &&
        keys.Verify(KeyId, Encoding.UTF8.GetBytes(Note), Convert.FromBase64String(Signature));
}

/// <summary>Signs checkpoints of the sealed log and reads them back.</summary>
public sealed class Checkpoints(NpgsqlDataSource database, AuditKeys keys, AuditRules rules, TimeProvider clock,
    ILogger<Checkpoints> logger)
{
    /// <summary>
    /// Signs a checkpoint over everything sealed so far when one is due (enough new leaves, or the last one old
    /// enough), or whenever there is anything new with <paramref name="now"/>; answers the checkpoint written, if any.
    /// Nodes running this together take turns on the sealer's state row.
    /// </summary>
    public async Task<Checkpoint?> SealAsync(bool now, CancellationToken cancellation)
    {
        if (keys.ActiveKeyId is null) return null;
        await using var connection = await database.OpenConnectionAsync(cancellation);
        await using var transaction = await connection.BeginTransactionAsync(cancellation);
        var state = await SealedLog.SealState.Load(connection, cancellation, forUpdate: true, transaction);
        if (state.TreeSize == 0) return null;
        var last = await Latest(connection, transaction, cancellation);
        // To the microsecond, as PostgreSQL keeps it, so the note and the stored time say the same.
        var clockTime = clock.GetUtcNow();
        var at = clockTime.AddTicks(-(clockTime.Ticks % 10));
        if (last is not null && last.TreeSize >= state.TreeSize) return null;
        var due = now || last is null || state.TreeSize - last.TreeSize >= rules.Checkpoints.Every ||
                  at - last.SealedAt >= rules.Checkpoints.Interval;
        if (!due) return null;

        var root = state.Frontier.Root();
        var note = Checkpoint.NoteFor(rules.Origin, state.TreeSize, root, at, state.LastSequence);
        var (keyId, signature) = keys.Sign(Encoding.UTF8.GetBytes(note));
        await using (var insert = new NpgsqlCommand(
            $"insert into {SealedLog.Checkpoints} (tree_size, root, last_seq, sealed_at, key_id, signature, note) " +
            "values ($1, $2, $3, $4, $5, $6, $7) on conflict (tree_size) do nothing", connection, transaction))
        {
            insert.Parameters.AddWithValue(state.TreeSize);
            insert.Parameters.AddWithValue(root);
            insert.Parameters.AddWithValue(state.LastSequence);
            insert.Parameters.AddWithValue(at);
            insert.Parameters.AddWithValue(keyId);
            insert.Parameters.AddWithValue(signature);
            insert.Parameters.AddWithValue(note);
            await insert.ExecuteNonQueryAsync(cancellation);
        }
        await transaction.CommitAsync(cancellation);
        logger.LogDebug("Checkpoint {TreeSize} signed with {KeyId}", state.TreeSize, keyId);
        return await Read(state.TreeSize, cancellation);
    }

    public async Task<Checkpoint?> Latest(CancellationToken cancellation)
    {
        await using var connection = await database.OpenConnectionAsync(cancellation);
        return await Latest(connection, null, cancellation);
    }

    public async Task<Checkpoint?> Read(long treeSize, CancellationToken cancellation) =>
        (await Query($"where tree_size = $1", [treeSize], cancellation)).FirstOrDefault();

    /// <summary>Every checkpoint, smallest first.</summary>
    public Task<List<Checkpoint>> All(CancellationToken cancellation) => Query("order by tree_size", [], cancellation);

    public async Task<Page<Checkpoint>> Page(int page, int pageSize, CancellationToken cancellation)
    {
        var items = await Query($"order by tree_size desc limit {pageSize} offset {(long)(page - 1) * pageSize}", [], cancellation);
        await using var command = database.CreateCommand($"select count(*) from {SealedLog.Checkpoints}");
        return new Page<Checkpoint>(items, page, pageSize, (long)(await command.ExecuteScalarAsync(cancellation))!);
    }

    private async Task<List<Checkpoint>> Query(string clause, object[] parameters, CancellationToken cancellation)
    {
        await using var command = database.CreateCommand(
            $"select tree_size, root, last_seq, sealed_at, key_id, signature, note from {SealedLog.Checkpoints} {clause}");
        foreach (var parameter in parameters) command.Parameters.AddWithValue(parameter);
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        var checkpoints = new List<Checkpoint>();
        while (await reader.ReadAsync(cancellation)) checkpoints.Add(Read(reader));
        return checkpoints;
    }

    private static async Task<Checkpoint?> Latest(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellation)
    {
        await using var command = new NpgsqlCommand(
            $"select tree_size, root, last_seq, sealed_at, key_id, signature, note from {SealedLog.Checkpoints} order by tree_size desc limit 1",
            connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        return await reader.ReadAsync(cancellation) ? Read(reader) : null;
    }

    private static Checkpoint Read(NpgsqlDataReader reader) => new(
        reader.GetInt64(0),
        Convert.ToHexStringLower((byte[])reader[1]),
        reader.GetInt64(2),
        reader.GetFieldValue<DateTimeOffset>(3),
        reader.GetString(4),
        Convert.ToBase64String((byte[])reader[5]),
        reader.GetString(6));
}

/// <summary>Every node looks, every <c>Audit:Checkpoints:Poll</c>, whether a checkpoint is due, and signs it.</summary>
internal sealed class CheckpointSchedule(Checkpoints checkpoints, AuditKeys keys, AuditRules rules, ILogger<CheckpointSchedule> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (keys.ActiveKeyId is null)
        {
            logger.LogWarning("No checkpoint signing key is configured (Audit:Signing:Key or Audit:Signing:KeyFile): events are " +
                              "sealed, but no checkpoint is signed, so nothing proves the log to an outsider. See docs/operations.md");
            return;
        }
        using var timer = new PeriodicTimer(rules.Checkpoints.Poll);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await checkpoints.SealAsync(now: false, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The database may be away; the next tick tries again.
                logger.LogWarning(e, "Could not sign a checkpoint; trying again in {Poll}", rules.Checkpoints.Poll);
            }
        }
    }
}

public static class CheckpointEndpoints
{
    [WolverineGet("/api/audit/checkpoints", OperationId = "ListCheckpoints", Summary = "The signed checkpoints of the sealed event log",
        Description = "Newest first. Each states the Merkle root over the first treeSize leaves, signed (ES256) by the key named in keyId; the note is what was signed.")]
    [Authorize(Policy = Policies.Audit)]
    [Tags("Audit")]
    public static async Task<Results<Ok<Page<Checkpoint>>, ProblemHttpResult>> List(int? page, int? pageSize,
        Checkpoints checkpoints, CancellationToken cancellation)
    {
        if (new FieldErrors().CheckPaging(page, pageSize) is { Any: true } errors)
            return TypedResults.Problem(errors.ToProblem());
        return TypedResults.Ok(await checkpoints.Page(page ?? 1, pageSize ?? Paging.DefaultPageSize, cancellation));
    }

    [WolverineGet("/api/audit/keys", OperationId = "ListAuditKeys", Summary = "The public keys checkpoints are signed with",
        Description = "Public: anyone may check a checkpoint. The active key signs new checkpoints; earlier keys stay listed so their checkpoints still verify.")]
    [AllowAnonymous]
    [Tags("Audit")]
    public static PublishedKeys Keys(AuditKeys keys) => new(keys.Published);
}
