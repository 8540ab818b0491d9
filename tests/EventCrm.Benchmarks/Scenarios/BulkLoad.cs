using System.Diagnostics;
using EventCrm.Demo;
using JasperFx.Events;
using Marten;
using Npgsql;

namespace EventCrm.Benchmarks.Scenarios;

/// <summary>
/// Bulk load: the demo generator's streams (made beforehand, not timed) appended with Marten's bulk insert into an
/// empty store, against the physical baseline: the very rows this wrote to <c>mt_streams</c> and
/// <c>mt_events</c>, copied out and loaded again with a binary COPY into tables of the same shape and indexes.
/// </summary>
public static class BulkLoad
{
    public static async Task<Section> Run(BenchServer server, Plan plan)
    {
        long events = 0;
        var martens = new List<TimeSpan>();
        var copies = new List<TimeSpan>();
        for (var run = 0; run < plan.Repeats; run++)
        {
            var connection = await server.Work();
            await using (var app = await InProcessApp.Start(connection))
            {
                var chunks = new List<List<StreamAction>>();
                for (var start = 0; start < plan.BulkCustomers; start += DemoSeeder.Chunk)
                    chunks.Add(DemoSeeder.Streams(app.Store, app.Rules, start, Math.Min(plan.BulkCustomers, start + DemoSeeder.Chunk),
                        Plan.Seed, new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero)));
                events = chunks.Sum(c => c.Sum(a => (long)a.Events.Count));

                var watch = Stopwatch.StartNew();
                foreach (var chunk in chunks) await app.Store.BulkInsertEventsAsync(chunk, batchSize: 20_000);
                martens.Add(watch.Elapsed);
            }
            copies.Add(await CopyBaseline(server.OwnerOf(connection)));
        }

        var marten = Median(martens);
        var copy = Median(copies);
        List<object[]> rows =
        [
            ["Marten bulk insert", events, marten.TotalSeconds, events / marten.TotalSeconds, 1.0],
            ["raw binary COPY of the same rows", events, copy.TotalSeconds, events / copy.TotalSeconds, copy / marten],
        ];
        return new Section("bulk", $"Bulk load: {plan.BulkCustomers:N0} demo customers into an empty store",
            ["path", "events", "seconds", "events/s", "time × Marten"], rows,
            "Both write the streams and the events (with their primary keys, unique stream and version, and type index); " +
            $"the read models are not built here (see the rebuild). Medians of {plan.Repeats} loads into a fresh database each; " +
            "'time × Marten' below 1 means the baseline was faster.");
    }

    private static TimeSpan Median(List<TimeSpan> times) => times.Order().ElementAt(times.Count / 2);

    /// <summary>Copies the two tables out in binary, then times loading them into empty copies of themselves.</summary>
    private static async Task<TimeSpan> CopyBaseline(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await Execute(connection, """
            create schema if not exists bench;
            drop table if exists bench.copy_events; drop table if exists bench.copy_streams;
            create table bench.copy_streams (like crm.mt_streams including all);
            create table bench.copy_events (like crm.mt_events including all);
            """);

        var files = new Dictionary<string, string>();
        foreach (var table in new[] { "mt_streams", "mt_events" })
        {
            var file = files[table] = Path.GetTempFileName();
            await using var output = File.Create(file);
            await using var source = await connection.BeginRawBinaryCopyAsync($"copy crm.{table} to stdout (format binary)");
            await source.CopyToAsync(output);
        }

        try
        {
            var watch = Stopwatch.StartNew();
            await using (var transaction = await connection.BeginTransactionAsync())
            {
                foreach (var (table, file) in files)
                {
                    await using var target = await connection.BeginRawBinaryCopyAsync($"copy bench.copy_{table[3..]} from stdin (format binary)");
                    await using var input = File.OpenRead(file);
                    await input.CopyToAsync(target);
                }
                await transaction.CommitAsync();
            }
            return watch.Elapsed;
        }
        finally
        {
            foreach (var file in files.Values) File.Delete(file);
        }
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
