using System.Text.Json;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Storage;
using Npgsql;
using NpgsqlTypes;

namespace EventCrm.Audit;

/// <summary>One stored event as an auditor reads it: what happened, to which stream, when, by whom and why.</summary>
public record EventEntry(
    long Sequence,
    Guid StreamId,
    string? StreamType,
    long Version,
    string Type,
    DateTimeOffset Timestamp,
    string? User,
    string? CorrelationId,
    string? CausationId,
    JsonElement? Headers,
    JsonElement Data);

/// <summary>Which events to read; every filter is optional.</summary>
public record EventFilter(
    IReadOnlyCollection<Guid>? StreamIds = null,
    string? User = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    string? Type = null,
    string? StreamType = null,
    string? CorrelationId = null);

public enum EventOrder { Sequence, Time }

/// <summary>
/// Reads events straight from the event store's tables, as stored: the JSON an auditor sees is exactly what
/// is kept (masked where personal data was erased), independent of the .NET types that wrote it.
/// </summary>
public sealed class EventLog(NpgsqlDataSource database, StoreNames names)
{
    private string Events => names.Events;
    private string Streams => names.Streams;

    public async Task<Page<EventEntry>> Read(EventFilter filter, EventOrder order, int page, int pageSize,
        CancellationToken cancellation)
    {
        // The page and the total are two queries: a window count would make PostgreSQL visit every match
        // before it could stop at the page, which on a large store turns milliseconds into seconds.
        await using var batch = database.CreateBatch();
        var rows = new NpgsqlBatchCommand(
            $"""
            select e.seq_id, e.stream_id, s.type, e.version, e.type, e.timestamp, e.user_name, e.correlation_id,
                   e.causation_id, e.headers, e.data
            from {Events} e join {Streams} s on s.id = e.stream_id
            where {Where(filter, out var parameters)}
            order by {(order == EventOrder.Time ? "e.timestamp, e.seq_id" : "e.seq_id")}
            limit {pageSize} offset {(long)(page - 1) * pageSize}
            """);
        rows.Parameters.AddRange(parameters);
        var count = new NpgsqlBatchCommand(
            $"""
            select count(*) from {Events} e
            {(filter.StreamType is null ? "" : $"join {Streams} s on s.id = e.stream_id")}
            where {Where(filter, out var countParameters)}
            """);
        count.Parameters.AddRange(countParameters);
        batch.BatchCommands.Add(rows);
        batch.BatchCommands.Add(count);

        var entries = new List<EventEntry>();
        await using var reader = await batch.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation))
        {
            entries.Add(new EventEntry(
                reader.GetInt64(0),
                reader.GetGuid(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetInt64(3),
                reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.IsDBNull(9) ? null : JsonDocument.Parse(reader.GetString(9)).RootElement,
                JsonDocument.Parse(reader.GetString(10)).RootElement));
        }
        await reader.NextResultAsync(cancellation);
        await reader.ReadAsync(cancellation);
        return new Page<EventEntry>(entries, page, pageSize, reader.GetInt64(0));
    }

    /// <summary>The filter as SQL over <c>e</c> (events) and <c>s</c> (streams), with positional parameters.</summary>
    private static string Where(EventFilter filter, out NpgsqlParameter[] parameters)
    {
        var conditions = new List<string> { "true" };
        var values = new List<NpgsqlParameter>();

        void Add(string condition, NpgsqlParameter parameter)
        {
            values.Add(parameter);
            conditions.Add(condition.Replace("@", "$" + values.Count));
        }

        if (filter.StreamIds is { } ids)
            Add("e.stream_id = any(@)", new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid, Value = ids.ToArray() });
        if (filter.User is { } user) Add("e.user_name = @", new NpgsqlParameter { Value = user });
        if (filter.From is { } from) Add("e.timestamp >= @", new NpgsqlParameter { Value = from });
        if (filter.To is { } to) Add("e.timestamp < @", new NpgsqlParameter { Value = to });
        if (filter.Type is { } type) Add("e.type = @", new NpgsqlParameter { Value = type });
        if (filter.StreamType is { } streamType) Add("s.type = @", new NpgsqlParameter { Value = streamType });
        if (filter.CorrelationId is { } correlationId) Add("e.correlation_id = @", new NpgsqlParameter { Value = correlationId });

        parameters = [.. values];
        return string.Join(" and ", conditions);
    }
}
