using System.Diagnostics;
using EventCrm.Infrastructure.Projections;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventCrm.Benchmarks.Scenarios;

/// <summary>
/// Rebuilding every projection from the events (what the admin endpoint and the CLI verb do), against the
/// physical baseline: one sequential read of the whole events table in order, every event's JSON read as text.
/// </summary>
public static class Rebuild
{
    public static readonly string[] Columns = ["customers", "events", "rebuild s", "rebuild events/s", "raw read s", "raw read events/s", "× raw read"];

    public const string Note =
        "A rebuild runs the projections side by side (as many at once as the machine has cores, at least two), each over " +
        "the event types it uses (the store's events in all), on a copy of the seeded database; events/s divides the " +
        "store's events by the whole rebuild's time. One run per size.";

    public static readonly string[] ProjectionColumns = ["customers", "projection", "documents or events written", "s", "per s", "where the time went"];

    public const string ProjectionNote =
        "The same rebuild, each projection's own time while the others ran beside it: a view rebuilt in place counts the " +
        "documents it rewrote, a projection replayed event by event the events it applied; where the time went sums the steps " +
        "over its batches (read: the events' query and Marten's deserializing; fold or apply: the projection's code in the " +
        "application; write: the documents' SQL, and the analytics rows).";

    private static readonly Dictionary<int, object[]> Measured = [];
    private static readonly Dictionary<int, IReadOnlyList<RebuiltProjection>> PerProjection = [];

    public static async Task<IReadOnlyList<Section>> Run(BenchServer server, Plan plan)
    {
        var customers = plan.RebuildCustomers;
        var row = await At(server, customers);
        return
        [
            new Section("rebuild", "Projection rebuild", Columns, [row], Note,
                plan.Quick ? null : [new Goal($"rebuild of every projection over {(long)row[1]:N0} events", "≥ 40,000 events/s",
                    $"{(double)row[3]:N0} events/s", (double)row[3] >= 40_000)]),
            new Section("rebuild", "Projection rebuild, per projection", ProjectionColumns,
                [.. PerProjection[customers].OrderByDescending(p => p.Took).Select(p => new object[]
                    { customers, p.Name, p.Written, p.Took.TotalSeconds, p.Took.TotalSeconds > 0 ? p.Written / p.Took.TotalSeconds : 0, p.Phases.ToString() })],
                ProjectionNote),
        ];
    }

    /// <summary>One row of figures at a size; measured once per run whoever asks.</summary>
    public static async Task<object[]> At(BenchServer server, int customers)
    {
        if (Measured.TryGetValue(customers, out var row)) return row;
        var connection = await server.Work(await server.Template(customers));
        var events = await BenchServer.Count(connection, "select count(*) from crm.mt_events");
        TimeSpan rebuild;
        await using (var app = await InProcessApp.Start(connection))
        {
            var store = app.Store;
            var watch = Stopwatch.StartNew();
            PerProjection[customers] = await app.Services.GetRequiredService<RebuildProjections>()
                .Rebuild([.. RebuildProjections.Names(store)], CancellationToken.None);
            rebuild = watch.Elapsed;
        }
        var read = await SequentialRead(connection);
        return Measured[customers] = [customers, events, rebuild.TotalSeconds, events / rebuild.TotalSeconds,
            read.TotalSeconds, events / read.TotalSeconds, read / rebuild];
    }

    private static async Task<TimeSpan> SequentialRead(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var watch = Stopwatch.StartNew();
        await using var command = new NpgsqlCommand("select seq_id, stream_id, version, type, data from crm.mt_events order by seq_id", connection);
        await using var reader = await command.ExecuteReaderAsync();
        long length = 0;
        while (await reader.ReadAsync()) length += reader.GetString(4).Length;
        GC.KeepAlive(length);
        return watch.Elapsed;
    }
}
