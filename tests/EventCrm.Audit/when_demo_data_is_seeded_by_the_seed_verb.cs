using System.Globalization;
using EventCrm.Demo;
using EventCrm.Infrastructure.Projections;

namespace EventCrm.Audit.Tests;

/// <summary>
/// The seed verb runs with no daemon beside it and rebuilds every read model itself, in bulk, then marks the
/// daemon's projections as done; an application seeding its own empty database rebuilds only the inline ones and
/// lets its daemon project the rest. Both must leave the same read models behind.
/// </summary>
public class when_demo_data_is_seeded_by_the_seed_verb : IAsyncLifetime
{
    private const string ByVerb = "eventcrm_audit_seed_verb";
    private const string ByDaemon = "eventcrm_audit_seed_daemon";
    private const int Customers = 40;
    private static readonly DateTimeOffset Until = new(2026, 11, 30, 0, 0, 0, TimeSpan.Zero);

    public async Task InitializeAsync()
    {
        foreach (var database in new[] { ByVerb, ByDaemon })
        {
            await Databases.Create(database);
            await Databases.Verb(Databases.Owner(database), null, "db-apply");
        }
    }

    public async Task DisposeAsync()
    {
        await Databases.Drop(ByVerb);
        await Databases.Drop(ByDaemon);
    }

    private static async Task<Dictionary<string, long>> Marks(string database)
    {
        await using var connection = new Npgsql.NpgsqlConnection(Databases.Application(database));
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("select name, last_seq_id from crm.mt_event_progression", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var marks = new Dictionary<string, long>();
        while (await reader.ReadAsync()) marks[reader.GetString(0)] = reader.GetInt64(1);
        return marks;
    }

    [Fact]
    public async Task its_read_models_are_the_ones_the_daemon_makes_and_the_daemon_has_nothing_left_to_replay()
    {
        var output = await Databases.Verb(Databases.Application(ByVerb), null, "seed", "--customers", Customers.ToString(CultureInfo.InvariantCulture),
            "--seed", "7", "--until", Until.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), "--no-models");
        output.ShouldContain($"Seeded {Customers} customers");

        // Read before any application starts (its daemon would move the marks): every asynchronous projection starts
        // at the last event, so the application does not replay the seed again.
        var marks = await Marks(ByVerb);

        await using var verb = await StoreHost.Start(ByVerb, AuditKeys.NewPrivateKeyPem());
        var last = await verb.LastSequence();
        last.ShouldBeGreaterThan(Customers);
        var shards = RebuildProjections.Shards(verb.Store, RebuildProjections.Names(verb.Store));
        shards.ShouldNotBeEmpty();
        foreach (var shard in shards) marks.GetValueOrDefault(shard).ShouldBe(last, shard);
        // The sealer, a subscription and not a read model, still reads every event: CaughtUp waits for it.
        await verb.CaughtUp();
        var seeded = await verb.Digests();

        await using var daemon = await StoreHost.Start(ByDaemon, AuditKeys.NewPrivateKeyPem());
        await DemoSeeder.Seed(daemon.Host.Services, Customers, seed: 7, Until, progress: null, CancellationToken.None, daemonRunning: true);
        await daemon.CaughtUp();
        var projected = await daemon.Digests();

        // The sealed log hashes the events themselves, whose ids each append draws afresh: not a read model of the seed.
        foreach (var sealedTable in new[] { SealedLog.Leaves, SealedLog.Nodes })
        {
            seeded.Remove(sealedTable);
            projected.Remove(sealedTable);
        }
        seeded.Keys.ShouldBe(projected.Keys);
        foreach (var (table, digest) in projected)
            seeded[table].ShouldBe(digest, table);
        projected.Values.Count(digest => !digest.StartsWith("0 rows", StringComparison.Ordinal)).ShouldBeGreaterThan(5);
    }
}
