using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventCrm.Tests.Imports;

public sealed record StoredEvent(string Type, JsonElement Data, string? Source, string? User, string? CorrelationId);

/// <summary>The events of a stream as PostgreSQL holds them, in order.</summary>
public static class StoredEvents
{
    public static async Task<List<StoredEvent>> Of(AppFixture app, Guid streamId)
    {
        var database = app.Host.Services.GetRequiredService<NpgsqlDataSource>();
        await using var command = database.CreateCommand(
            $"select type, data::text, headers ->> 'source', user_name, correlation_id from {app.Names.Events} where stream_id = $1 order by version");
        command.Parameters.AddWithValue(streamId);
        var events = new List<StoredEvent>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            events.Add(new StoredEvent(reader.GetString(0), JsonDocument.Parse(reader.GetString(1)).RootElement,
                reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4)));
        return events;
    }

    /// <summary>How many events of a type carry this source.</summary>
    public static async Task<long> Count(AppFixture app, string type, string source)
    {
        var database = app.Host.Services.GetRequiredService<NpgsqlDataSource>();
        await using var command = database.CreateCommand($"select count(*) from {app.Names.Events} where type = $1 and headers ->> 'source' = $2");
        command.Parameters.AddWithValue(type);
        command.Parameters.AddWithValue(source);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
