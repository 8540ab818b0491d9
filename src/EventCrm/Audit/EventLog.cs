using System.Text;
using System.Text.Json;
using EventCrm.Infrastructure;
using EventCrm.Infrastructure.Http;
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
public static class EventLog
{
    public static async Task<Page<EventEntry>> Read(NpgsqlDataSource database, EventFilter filter, EventOrder order,
        int page, int pageSize, CancellationToken cancellation)
    {
        var sql = new StringBuilder($"""
            select e.seq_id, e.stream_id, s.type, e.version, e.type, e.timestamp, e.user_name, e.correlation_id,
                   e.causation_id, e.headers, e.data, count(*) over () as total
            from {CrmMarten.Schema}.mt_events e
            join {CrmMarten.Schema}.mt_streams s on s.id = e.stream_id
            where true
            """);
        await using var command = database.CreateCommand();

        void Where(string condition, object value, NpgsqlDbType? type = null)
        {
            var name = $"p{command.Parameters.Count}";
            sql.Append($" and {condition.Replace("@", "@" + name)}");
            if (type is { } t) command.Parameters.Add(new NpgsqlParameter(name, t) { Value = value });
            else command.Parameters.AddWithValue(name, value);
        }

        if (filter.StreamIds is { } ids) Where("e.stream_id = any(@)", ids.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Uuid);
        if (filter.User is { } user) Where("e.user_name = @", user);
        if (filter.From is { } from) Where("e.timestamp >= @", from);
        if (filter.To is { } to) Where("e.timestamp < @", to);
        if (filter.Type is { } type) Where("e.type = @", type);
        if (filter.StreamType is { } streamType) Where("s.type = @", streamType);
        if (filter.CorrelationId is { } correlationId) Where("e.correlation_id = @", correlationId);

        sql.Append(order == EventOrder.Time ? " order by e.timestamp, e.seq_id" : " order by e.seq_id");
        sql.Append($" limit {pageSize} offset {(long)(page - 1) * pageSize}");
        command.CommandText = sql.ToString();

        var entries = new List<EventEntry>();
        long total = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellation);
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
            total = reader.GetInt64(11);
        }

        if (entries.Count == 0 && page > 1)
            total = await Count(database, filter, cancellation);
        return new Page<EventEntry>(entries, page, pageSize, total);
    }

    /// <summary>Only for a page past the end, where the window count has no row to ride on.</summary>
    private static async Task<long> Count(NpgsqlDataSource database, EventFilter filter, CancellationToken cancellation)
    {
        var all = await Read(database, filter, EventOrder.Sequence, 1, 1, cancellation);
        return all.Total;
    }
}
