using System.Net.Http.Json;
using Alba;
using EventCrm.Audit;
using EventCrm.Customers;
using EventCrm.Demo;
using EventCrm.Infrastructure.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Wolverine;
using Wolverine.Tracking;

namespace EventCrm.Audit.Tests;

/// <summary>
/// A store with history (demo customers, an erased customer and lead, reads of personal data), sealed and
/// checkpointed, and the digests of every table a rebuild makes.
/// </summary>
public sealed class SourceStore : IAsyncLifetime
{
    public const string Database = "eventcrm_audit_source";
    public const int Customers = 120;

    public string Key { get; } = AuditKeys.NewPrivateKeyPem();
    public string Folder { get; } = Directory.CreateTempSubdirectory("eventcrm-source-").FullName;

    /// <summary>The store exported as NDJSON (events export), once everything was sealed.</summary>
    public string Export => Path.Combine(Folder, "events.ndjson");
    public Checkpoint Checkpoint { get; private set; } = null!;
    public SortedDictionary<string, string> Digests { get; private set; } = null!;
    public long Events { get; private set; }

    public async Task InitializeAsync()
    {
        await Databases.Create(Database);
        await Databases.Verb(Databases.Owner(Database), null, "db-apply");
        await using var app = await StoreHost.Start(Database, Key);
        await DemoSeeder.Seed(app.Host.Services, Customers, seed: 7,
            new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero), progress: null, CancellationToken.None, daemonRunning: true);
        await app.CaughtUp();

        // Live history on top: a customer and a lead erased after they were sealed, and reads of personal data.
        var admin = app.Token("dpo", Roles.Admin);
        var customer = await Created(app, admin, "/api/customers", new { name = "Moritz Moved", email = "moritz@example.com", phone = "+4915100004444" });
        var lead = await Created(app, admin, "/api/leads", new { name = "Lia Moved", email = "lia@example.com", source = "Web" });
        await app.Host.Scenario(s => { s.WithBearerToken(admin); s.Get.Url($"/api/customers/{customer}/history"); });
        await app.CaughtUp();
        await ((IHost)app.Host).TrackActivity().Timeout(TimeSpan.FromSeconds(30)).ExecuteAndWaitAsync((Func<IMessageContext, Task>)(async _ =>
        {
            await app.Host.Scenario(s => { s.WithBearerToken(admin); s.Post.Json(new { version = 1, reason = "Art. 17 #move-1" }).ToUrl($"/api/customers/{customer}/erasure"); });
            await app.Host.Scenario(s => { s.WithBearerToken(admin); s.Post.Json(new { version = 1, reason = "Art. 17 #move-2" }).ToUrl($"/api/leads/{lead}/erasure"); });
        }));
        await app.Host.Scenario(s => { s.WithBearerToken(admin); s.Get.Url($"/api/customers/{customer}"); });
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // the access log writes within a second

        Checkpoint = await app.Checkpoint();
        Events = await app.LastSequence();
        var report = await app.Verify();
        report.Ok.ShouldBeTrue(string.Join("; ", report.Mismatches.Select(m => $"{m.Kind} {m.Sequence} {m.Detail}")));
        report.Masked.Count.ShouldBeGreaterThanOrEqualTo(2);
        Digests = await app.Digests();
        await Databases.Verb(Databases.Application(Database), null, "events", "export", Export);
    }

    private static async Task<Guid> Created(StoreHost app, string token, string url, object body)
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(token);
            s.Post.Json(body).ToUrl(url);
            s.StatusCodeShouldBe(201);
        });
        return (await result.ReadAsJsonAsync<CreatedId>())!.Id;
    }

    private sealed record CreatedId(Guid Id);

    public async Task DisposeAsync()
    {
        await Databases.Drop(Database);
        Directory.Delete(Folder, recursive: true);
    }
}

/// <summary>
/// The store leaves its database two ways, an export of its events (NDJSON) and a backup (pg_dump), and lands in
/// an empty one; once every projection is rebuilt there, every read model, fact table, leaf and access record is as
/// it was, and the log verifies against the checkpoint signed before it left.
/// </summary>
public class when_the_store_moves_to_a_new_database(SourceStore source) : IClassFixture<SourceStore>, IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("eventcrm-move-").FullName;
    private readonly List<string> _databases = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var database in _databases) await Databases.Drop(database);
        Directory.Delete(_folder, recursive: true);
    }

    private async Task<string> Empty(string name)
    {
        _databases.Add(name);
        await Databases.Create(name);
        return name;
    }

    /// <summary>
    /// A full run (`--full`, CRM_FULL=1) rebuilds a restored backup's projections too; CI's quick run compares the
    /// read models as restored, since the export's test already rebuilds every projection from the same events.
    /// </summary>
    private static bool FullRun => Environment.GetEnvironmentVariable("CRM_FULL") is "1" or "true";

    /// <summary>
    /// Rebuilds every projection on the copy (unless told not to) and compares it, table by table and with the
    /// verifier. Answers the copy's application, still running, for what the test does next (the caller disposes it).
    /// </summary>
    private async Task<StoreHost> RebuiltAndIdentical(string database, bool rebuild = true)
    {
        var copy = await StoreHost.Start(database, source.Key);
        try
        {
            if (rebuild) await copy.RebuildAll();
            await copy.CaughtUp();

            (await copy.LastSequence()).ShouldBe(source.Events);
            var digests = await copy.Digests();
            digests.Keys.ShouldBe(source.Digests.Keys);
            foreach (var (table, digest) in source.Digests)
                if (digests[table] != digest)
                    digests[table].ShouldBe(digest, $"{table}: {await FirstDifference(table, SourceStore.Database, database)}");

            var report = await copy.Verify([source.Checkpoint]);
            report.Ok.ShouldBeTrue(string.Join("; ", report.Mismatches.Select(m => $"{m.Kind} {m.Sequence} {m.TreeSize} {m.Detail}")));
            report.CheckpointsChecked.ShouldBeGreaterThan(1);
            report.Masked.Count.ShouldBeGreaterThanOrEqualTo(2);
            return copy;
        }
        catch
        {
            await copy.DisposeAsync();
            throw;
        }
    }

    /// <summary>The first row of a table that differs between two databases, both sides, to say what a digest cannot.</summary>
    private static async Task<string> FirstDifference(string table, string expected, string actual)
    {
        async Task<SortedDictionary<string, string>> Rows(string database)
        {
            await using var connection = new Npgsql.NpgsqlConnection(Databases.Owner(database));
            await connection.OpenAsync();
            var key = table.Contains(".mt_doc_") ? "t.id::text" : "t::text";
            var row = table.Contains(".mt_doc_") ? "t.data::text" : "t::text";
            await using var command = new Npgsql.NpgsqlCommand($"select {key}, {row} from {table} t", connection);
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new SortedDictionary<string, string>();
            while (await reader.ReadAsync()) rows[reader.GetString(0)] = reader.GetString(1);
            return rows;
        }
        var (before, after) = (await Rows(expected), await Rows(actual));
        foreach (var (key, row) in before)
            if (!after.TryGetValue(key, out var other)) return $"{key} is missing";
            else if (other != row) return $"{key} was\n{row}\nand is\n{other}";
        return after.Keys.Except(before.Keys).FirstOrDefault() is { } extra ? $"{extra} is extra" : "the same rows in another order";
    }

    [Fact]
    public async Task an_export_imported_into_an_empty_database_rebuilds_the_same_store()
    {
        var file = source.Export;
        var lines = await File.ReadAllLinesAsync(file);
        lines[0].ShouldContain("\"format\":\"eventcrm-events/1\"");
        lines.Count(line => line.StartsWith("{\"event\"", StringComparison.Ordinal)).ShouldBe((int)source.Events);

        var target = await Empty("eventcrm_audit_import");
        await Databases.Verb(Databases.Owner(target), null, "db-apply");
        await Databases.Verb(Databases.Owner(target), null, "events", "import", file);

        // New events continue after the imported ones, never on their sequence numbers.
        await using var copy = await RebuiltAndIdentical(target);
        await copy.Host.Scenario(s =>
        {
            s.WithBearerToken(copy.Token("sam", Roles.Sales));
            s.Post.Json(new { name = "After Import", email = "after.import@example.com" }).ToUrl("/api/customers");
            s.StatusCodeShouldBe(201);
        });
        (await copy.LastSequence()).ShouldBe(source.Events + 1);
    }

    [Fact]
    public async Task an_import_into_a_store_with_events_is_refused()
    {
        var failure = await Should.ThrowAsync<InvalidOperationException>(() =>
            Databases.Verb(Databases.Owner(SourceStore.Database), null, "events", "import", source.Export));
        failure.Message.ShouldContain("already has events");
    }

    [Fact]
    public async Task a_backup_restored_into_an_empty_database_holds_the_same_store_and_verifies_against_its_checkpoint()
    {
        var file = Path.Combine(_folder, "eventcrm.dump");
        var crm = Path.Combine(Databases.Repository, "build", "crm");
        Dictionary<string, string> On(string database) => new()
        {
            ["ConnectionStrings__Postgres"] = Databases.Application(database),
            ["CRM_OWNER_CONNECTION"] = Databases.Owner(database),
            ["Audit__Signing__Key"] = source.Key,
            ["CRM_APP_DLL"] = Databases.AppDll,
        };

        var backup = await Databases.Run(crm, ["backup", file], Databases.Repository, On(SourceStore.Database));
        backup.ShouldContain("backup written");
        File.Exists(file).ShouldBeTrue();
        var kept = AuditCommand.ReadCheckpoints(await File.ReadAllTextAsync(file + ".checkpoint.json")).Single();
        kept.TreeSize.ShouldBe(source.Checkpoint.TreeSize);

        var target = await Empty("eventcrm_audit_restore");
        var restore = await Databases.Run(crm, ["restore", file], Databases.Repository, On(target));
        restore.ShouldContain("ok: ");

        await (await RebuiltAndIdentical(target, rebuild: FullRun)).DisposeAsync();

        // The same verb, on the restored copy edited behind its back: it names the change and fails.
        await using (var superuser = new Npgsql.NpgsqlConnection(Databases.Superuser(target)))
        {
            await superuser.OpenAsync();
            await using var edit = new Npgsql.NpgsqlCommand("update crm.mt_events set data = data || '{\"forged\": true}' where seq_id = 5", superuser);
            (await edit.ExecuteNonQueryAsync()).ShouldBe(1);
        }
        var verify = await Should.ThrowAsync<InvalidOperationException>(() => Databases.Verb(Databases.Application(target),
            new Dictionary<string, string> { ["Audit__Signing__Key"] = source.Key }, "audit", "verify", "--checkpoint", file + ".checkpoint.json"));
        verify.Message.ShouldContain("modified at sequence 5");
    }

    [Fact]
    public async Task a_restore_over_a_database_in_use_is_refused()
    {
        var crm = Path.Combine(Databases.Repository, "build", "crm");
        var file = Path.Combine(_folder, "any.dump");
        await File.WriteAllTextAsync(file, "not read: the target is checked first");
        var failure = await Should.ThrowAsync<InvalidOperationException>(() => Databases.Run(crm, ["restore", file],
            Databases.Repository, new Dictionary<string, string>
            {
                ["ConnectionStrings__Postgres"] = Databases.Application(SourceStore.Database),
                ["CRM_OWNER_CONNECTION"] = Databases.Owner(SourceStore.Database),
                ["CRM_APP_DLL"] = Databases.AppDll,
            }));
        failure.Message.ShouldContain("the database is not empty");
    }
}
