using EventCrm.Tests.Customers;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventCrm.Tests.Integrations;

/// <summary>
/// Writers commit concurrently, and some sequence numbers are taken by transactions that never commit (gaps); a
/// reader paging the feed meanwhile sees every committed event exactly once, in order: exactly the store's.
/// </summary>
[Collection(AppCollection.Name)]
public class when_the_feed_is_read_during_concurrent_appends(AppFixture app)
{
    [Fact]
    public async Task the_consumed_sequence_is_the_stores_with_no_event_skipped_or_repeated()
    {
        var start = long.Parse(await app.EndOfFeed());
        var database = app.Host.Services.GetRequiredService<NpgsqlDataSource>();
        var sequence = $"{app.Store.Options.Events.DatabaseSchemaName}.mt_events_sequence";

        using var writing = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 4).Select(writer => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                await app.Register(AppFixture.NewEmail($"concurrent{writer}"));
                // What a rolled-back append leaves: a number taken, no event under it.
                if (i % 10 == writer) await using (var gap = database.CreateCommand($"select nextval('{sequence}')")) await gap.ExecuteScalarAsync();
            }
        })).ToList();

        var consumed = new List<long>();
        var after = start.ToString();
        async Task ReadPage()
        {
            var page = await app.Feed($"after={after}&limit=7");
            consumed.AddRange(page.GetProperty("events").EnumerateArray().Select(e => long.Parse(e.GetProperty("cursor").GetString()!)));
            after = page.GetProperty("next").GetString()!;
        }
        while (!writers.All(w => w.IsCompleted)) await ReadPage();
        await Task.WhenAll(writers);

        long end;
        await using (var last = database.CreateCommand($"select max(seq_id) from {app.Names.Events}")) end = (long)(await last.ExecuteScalarAsync())!;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (long.Parse(after) < end && DateTime.UtcNow < deadline) await ReadPage();

        var stored = new List<long>();
        await using (var all = database.CreateCommand($"select seq_id from {app.Names.Events} where seq_id > $1 and seq_id <= $2 order by seq_id"))
        {
            all.Parameters.Add(new NpgsqlParameter { Value = start });
            all.Parameters.Add(new NpgsqlParameter { Value = end });
            await using var reader = await all.ExecuteReaderAsync();
            while (await reader.ReadAsync()) stored.Add(reader.GetInt64(0));
        }
        stored.Count.ShouldBeGreaterThanOrEqualTo(100);
        consumed.Where(s => s <= end).ShouldBe(stored);
    }
}
