using EventCrm.Infrastructure.Storage;
using System.Collections.Concurrent;
using Marten;
using Microsoft.ML;
using Npgsql;
using Weasel.Postgresql.Tables;

namespace EventCrm.Models;

/// <summary>
/// Trained models as stored bytes in PostgreSQL, so every node can load any version; and the active version
/// of each model, loaded once per process and loaded again when another version becomes active.
/// </summary>
public sealed class ModelArtifacts(IDocumentStore store, NpgsqlDataSource database)
{
    public const string TableName = $"{Schemas.Crm}.model_artifacts";
    private readonly ConcurrentDictionary<string, (int Version, ITransformer Model)> _loaded = new();
    private readonly MLContext _ml = Learning.Context();

    public static Table Table()
    {
        var table = new Table(TableName);
        table.AddColumn<string>("model").AsPrimaryKey();
        table.AddColumn<int>("version").AsPrimaryKey();
        table.AddColumn("bytes", "bytea").NotNull();
        table.AddColumn<string>("sha256").NotNull();
        return table;
    }

    /// <summary>Queues the artifact's insert on the session that records the version, so both commit or neither.</summary>
    public static void Store(IDocumentSession session, string model, int version, byte[] bytes, string sha256) =>
        session.QueueSqlCommand($"insert into {TableName} (model, version, bytes, sha256) values (?, ?, ?, ?) on conflict do nothing",
            model, version, bytes, sha256);

    /// <summary>The model's active version and its loaded model, or null when none is active.</summary>
    public async Task<(int Version, ITransformer Model, ModelCard Card)?> Active(string model, CancellationToken cancellation)
    {
        await using var session = store.QuerySession();
        var card = await session.LoadAsync<ModelCard>(ModelStreams.Of(model), cancellation);
        if (card?.ActiveVersion is not { } version) return null;
        if (_loaded.TryGetValue(model, out var cached) && cached.Version == version) return (version, cached.Model, card);

        await using var command = database.CreateCommand($"select bytes from {TableName} where model = $1 and version = $2");
        command.Parameters.AddWithValue(model);
        command.Parameters.AddWithValue(version);
        if (await command.ExecuteScalarAsync(cancellation) is not byte[] bytes) return null;
        var loaded = Learning.Load(_ml, bytes);
        _loaded[model] = (version, loaded);
        return (version, loaded, card);
    }

    public MLContext Context => _ml;
}
