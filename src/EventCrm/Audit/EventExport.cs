using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EventCrm.Infrastructure.Storage;
using JasperFx.CommandLine;
using Npgsql;
using Spectre.Console;

namespace EventCrm.Audit;

/// <summary>What an export holds, on its first line: how many rows of each kind, and the last sequence.</summary>
public sealed record ExportHeader(string Format, DateTimeOffset ExportedAt, IReadOnlyDictionary<string, long> Rows, long LastSequence)
{
    public long Count(string kind) => Rows.GetValueOrDefault(kind);
}

/// <summary>
/// The whole event store as NDJSON, to move it to a new database: a header line, then every stream, every event in
/// sequence order, and the sealed log (leaves, stored nodes, the sealer's state, signed checkpoints, masking
/// records), each a row exactly as stored (every column, read with <c>to_jsonb</c> and written back with
/// <c>jsonb_populate_record</c>), so sequence numbers, versions, timestamps to the microsecond, metadata and payloads
/// arrive as they left and every leaf and checkpoint still verifies. The leaves travel too because they cannot be
/// made again: a payload masked by an erasure since it was sealed no longer hashes to its leaf. Read models are not
/// exported: rebuild them from the events after an import.
/// </summary>
public sealed class EventExport(NpgsqlDataSource database, StoreNames names)
{
    public const string Format = "eventcrm-events/1";
    private const int Batch = 1000;

    private IEnumerable<(string Kind, string Table, string Order)> Tables =>
    [
        ("stream", names.Streams, "id"),
        ("event", names.Events, "seq_id"),
        ("leaf", SealedLog.Leaves, "leaf_index"),
        ("node", SealedLog.Nodes, "level, index"),
        ("seal", SealedLog.State, "id"),
        ("checkpoint", SealedLog.Checkpoints, "tree_size"),
        ("masking", SealedLog.MaskedEvents, "id"),
    ];

    public async Task<ExportHeader> Export(Stream output, TimeProvider clock, CancellationToken cancellation)
    {
        await using var connection = await database.OpenConnectionAsync(cancellation);
        // One snapshot: the streams, events and checkpoints of one moment.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellation);
        async Task<long> Count(string sql)
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellation));
        }
        var rows = new Dictionary<string, long>();
        foreach (var (kind, table, _) in Tables) rows[kind] = await Count($"select count(*) from {table}");
        var header = new ExportHeader(Format, clock.GetUtcNow(), rows, await Count($"select coalesce(max(seq_id), 0) from {names.Events}"));

        await using var writer = new StreamWriter(output, new UTF8Encoding(false), leaveOpen: true) { NewLine = "\n" };
        await writer.WriteLineAsync(JsonSerializer.Serialize(header, Json));
        foreach (var (kind, table, order) in Tables)
        {
            await using var command = new NpgsqlCommand(
                $"select jsonb_build_object('{kind}', to_jsonb(t))::text from {table} t order by {order}", connection, transaction);
            await using var reader = await command.ExecuteReaderAsync(cancellation);
            while (await reader.ReadAsync(cancellation)) await writer.WriteLineAsync(reader.GetString(0));
        }
        await transaction.CommitAsync(cancellation);
        return header;
    }

    /// <summary>
    /// Loads an export into an empty store (db-apply first; run as the owner, which may set the event sequence):
    /// rows as they were, then the sequence and the daemon's high-water mark set past the last event, in one
    /// transaction. Refuses a store that has events.
    /// </summary>
    public async Task<ExportHeader> Import(Stream input, CancellationToken cancellation)
    {
        using var reader = new StreamReader(input, Encoding.UTF8);
        var first = await reader.ReadLineAsync(cancellation) ?? throw new InvalidDataException("The file is empty.");
        var header = JsonSerializer.Deserialize<ExportHeader>(first, Json);
        if (header?.Format != Format)
            throw new InvalidDataException($"This is not an event export of this kind (its first line should name the format {Format}).");

        await using var connection = await database.OpenConnectionAsync(cancellation);
        await using var transaction = await connection.BeginTransactionAsync(cancellation);
        await using (var existing = new NpgsqlCommand($"select exists (select from {names.Events})", connection, transaction))
            if ((bool)(await existing.ExecuteScalarAsync(cancellation))!)
                throw new InvalidOperationException("The store already has events: import into an empty database (db-apply first).");

        var tables = Tables.ToDictionary(t => t.Kind, t => t.Table);
        var pending = new List<string>();
        string? pendingKind = null;
        var counts = tables.Keys.ToDictionary(k => k, _ => 0L);
        async Task Flush()
        {
            if (pendingKind is null || pending.Count == 0) return;
            await using var insert = new NpgsqlCommand(
                $"insert into {tables[pendingKind]} select * from jsonb_populate_recordset(null::{tables[pendingKind]}, $1::jsonb)",
                connection, transaction);
            insert.Parameters.AddWithValue("[" + string.Join(",", pending) + "]");
            await insert.ExecuteNonQueryAsync(cancellation);
            counts[pendingKind] += pending.Count;
            pending.Clear();
        }

        while (await reader.ReadLineAsync(cancellation) is { } line)
        {
            if (line.Length == 0) continue;
            var row = JsonNode.Parse(line)!.AsObject().Single();
            if (!tables.ContainsKey(row.Key)) throw new InvalidDataException($"Unknown kind of row '{row.Key}'.");
            if (row.Key != pendingKind || pending.Count >= Batch) await Flush();
            pendingKind = row.Key;
            pending.Add(row.Value!.ToJsonString());
        }
        await Flush();
        if (counts.FirstOrDefault(c => c.Value != header.Count(c.Key)) is { Key: not null } incomplete)
            throw new InvalidDataException(
                $"The file is incomplete: its header promises {header.Count(incomplete.Key)} rows of kind '{incomplete.Key}', it holds {incomplete.Value}.");

        // New appends continue after the last imported event; the daemon starts from there too (gaps in the imported
        // sequence are history, not transactions still to come).
        await using (var masking = new NpgsqlCommand(
            $"select setval(pg_get_serial_sequence('{SealedLog.MaskedEvents}', 'id'), greatest((select max(id) from {SealedLog.MaskedEvents}), 1), exists (select from {SealedLog.MaskedEvents}))",
            connection, transaction))
            await masking.ExecuteNonQueryAsync(cancellation);
        foreach (var sql in new[]
        {
            $"select setval(pg_get_serial_sequence('{names.Events}', 'seq_id'), greatest($1, 1), $1 > 0)",
            $"insert into {Schemas.Crm}.mt_event_progression (name, last_seq_id, last_updated) values ('HighWaterMark', $1, now()) " +
            "on conflict (name) do update set last_seq_id = excluded.last_seq_id, last_updated = excluded.last_updated",
        })
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            command.Parameters.AddWithValue(header.LastSequence);
            await command.ExecuteNonQueryAsync(cancellation);
        }
        await transaction.CommitAsync(cancellation);
        return header;
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}

public class EventsInput : NetCoreInput
{
    [Description("export or import")]
    public string Action { get; set; } = "export";

    [Description("The NDJSON file to write or read")]
    public string File { get; set; } = "";
}

/// <summary>
/// <c>events export FILE</c> writes the whole store as NDJSON; <c>events import FILE</c> loads one into an empty
/// store (run it with the owner's connection string, after db-apply), then rebuild the read models
/// (<c>projections rebuild</c>); the sealer seals the imported events again, to the same leaves.
/// </summary>
[Description("Export the whole event store as NDJSON, or import one into an empty store", Name = "events")]
public class EventsCommand : JasperFxAsyncCommand<EventsInput>
{
    public EventsCommand()
    {
        Usage("Export or import").Arguments(x => x.Action, x => x.File);
    }

    public override async Task<bool> Execute(EventsInput input)
    {
        using var host = input.BuildHost();
        var export = host.Services.GetRequiredService<EventExport>();
        switch (input.Action)
        {
            case "export":
            {
                await using var file = System.IO.File.Create(input.File);
                var header = await export.Export(file, TimeProvider.System, CancellationToken.None);
                AnsiConsole.MarkupLineInterpolated($"Exported {header.Count("event"):N0} events of {header.Count("stream"):N0} streams and {header.Count("checkpoint")} checkpoints to {input.File}.");
                return true;
            }
            case "import":
            {
                await using var file = System.IO.File.OpenRead(input.File);
                var header = await export.Import(file, CancellationToken.None);
                AnsiConsole.MarkupLineInterpolated($"Imported {header.Count("event"):N0} events of {header.Count("stream"):N0} streams and {header.Count("checkpoint")} checkpoints. Rebuild the read models now: projections rebuild.");
                return true;
            }
            default:
                AnsiConsole.MarkupLineInterpolated($"[red]Unknown action '{input.Action}': export or import.[/]");
                return false;
        }
    }
}
