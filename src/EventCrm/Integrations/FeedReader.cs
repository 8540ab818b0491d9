using System.Text.Json;
using EventCrm.Audit;
using EventCrm.Customers;
using EventCrm.Infrastructure.Storage;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace EventCrm.Integrations;

/// <summary>
/// One event as API clients read it: where it sits in the feed (<see cref="Cursor"/>, to resume after it), what
/// happened (the public type name and its JSON, as stored), to which stream, when it was recorded and by whom.
/// <see cref="Data"/> is null while an erasure recorded in its stream is still being applied.
/// </summary>
public record FeedEvent(
    string Cursor,
    Guid Id,
    string Type,
    Guid StreamId,
    string? StreamType,
    long Version,
    DateTimeOffset RecordedAt,
    string? User,
    string? CorrelationId,
    string? CausationId,
    JsonElement? Headers,
    JsonElement? Data,
    bool Withheld)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public long Sequence => FeedCursor.Parse(Cursor);
}

/// <summary>A page of the feed: its events, and the cursor to read after (it moves on even when no event matched).</summary>
public record FeedPage(IReadOnlyList<FeedEvent> Events, string Next, bool More);

/// <summary>Which events to read: null means every type, every stream type.</summary>
public record FeedFilter(IReadOnlyCollection<string>? Types = null, IReadOnlyCollection<string>? StreamTypes = null);

/// <summary>
/// The feed's position: the global sequence of the last event read, written as a string so that clients keep it
/// as it is (it stays opaque to them; "0" is the beginning).
/// </summary>
public static class FeedCursor
{
    public const string Start = "0";

    public static string Of(long sequence) => sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static long Parse(string cursor) => long.Parse(cursor, System.Globalization.CultureInfo.InvariantCulture);

    public static bool TryParse(string? cursor, out long sequence) =>
        long.TryParse(cursor, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out sequence);
}

/// <summary>
/// Reads the event store in global sequence order, never past its high-water mark: Marten's daemon moves that mark
/// only over sequence numbers that are committed with none missing below them (or whose gap has been declared
/// abandoned after <c>StaleSequenceThreshold</c>), so a reader never sees a gap that later fills in, and an event
/// that commits late is read in its place rather than skipped.
/// </summary>
public sealed class FeedReader(NpgsqlDataSource database, IDocumentStore store, StoreNames names)
{
    public const int MaxLimit = 500;

    /// <summary>Marten's name for the daemon's high-water mark in <c>mt_event_progression</c>.</summary>
    private const string HighWaterMarkName = "HighWaterMark";

    private readonly string[] _erasureTypes = store.Options.Events.AllKnownEventTypes()
        .Where(type => typeof(IRecordsErasure).IsAssignableFrom(type.EventType))
        .Select(type => type.EventTypeName).ToArray();

    private string Progression => $"{store.Options.Events.DatabaseSchemaName}.mt_event_progression";

    public async Task<long> HighWaterMark(CancellationToken cancellation)
    {
        await using var command = database.CreateCommand(
            $"select coalesce((select last_seq_id from {Progression} where name = $1), 0)");
        command.Parameters.Add(new NpgsqlParameter { Value = HighWaterMarkName });
        return (long)(await command.ExecuteScalarAsync(cancellation))!;
    }

    public async Task<FeedPage> Read(long after, FeedFilter filter, int limit, CancellationToken cancellation)
    {
        // One statement, so that the mark and the rows below it are read together. An event of an erased stream is
        // withheld until the stream's masking has run (the masked events carry the masking header): the erasure
        // event commits first, and the masking follows through the outbox moments later.
        await using var command = database.CreateCommand(
            $"""
            with mark as (select coalesce((select last_seq_id from {Progression} where name = $1), 0) as seq)
            select mark.seq, page.*
            from mark left join lateral (
                select e.seq_id, e.id, e.type, e.stream_id, s.type as stream_type, e.version, e.timestamp, e.user_name,
                       e.correlation_id, e.causation_id, e.headers,
                       (not e.type = any($5)
                        and exists (select 1 from {names.Events} x where x.stream_id = e.stream_id and x.type = any($5))
                        and not exists (select 1 from {names.Events} y where y.stream_id = e.stream_id and y.headers ? '{EventCrm.Audit.EventMasking.MaskedHeader}'))
                       as withheld,
                       e.data
                from {names.Events} e join {names.Streams} s on s.id = e.stream_id
                where e.seq_id > $2 and e.seq_id <= mark.seq
                  and ($3::text[] is null or e.type = any($3))
                  and ($4::text[] is null or s.type = any($4))
                order by e.seq_id
                limit $6
            ) page on true
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = HighWaterMarkName });
        command.Parameters.Add(new NpgsqlParameter { Value = after });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = (object?)filter.Types?.ToArray() ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = (object?)filter.StreamTypes?.ToArray() ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = _erasureTypes });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });

        var events = new List<FeedEvent>();
        long mark = after;
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation))
        {
            mark = reader.GetInt64(0);
            if (reader.IsDBNull(1)) break;
            var withheld = reader.GetBoolean(12);
            events.Add(new FeedEvent(
                FeedCursor.Of(reader.GetInt64(1)),
                reader.GetGuid(2),
                reader.GetString(3),
                reader.GetGuid(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.GetInt64(6),
                reader.GetFieldValue<DateTimeOffset>(7),
                reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.IsDBNull(9) ? null : reader.GetString(9),
                reader.IsDBNull(10) ? null : reader.GetString(10),
                reader.IsDBNull(11) ? null : JsonDocument.Parse(reader.GetString(11)).RootElement,
                withheld ? null : JsonDocument.Parse(reader.GetString(13)).RootElement,
                withheld));
        }

        // A full page resumes after its last event; a short one has read everything up to the mark, matching or not.
        var more = events.Count == limit;
        var next = more ? events[^1].Sequence : Math.Max(after, mark);
        return new FeedPage(events, FeedCursor.Of(next), more);
    }
}
