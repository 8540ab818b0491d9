using Alba;
using EventCrm.Analytics;
using EventCrm.Audit;
using EventCrm.Infrastructure.Projections;
using EventCrm.Infrastructure.Security;
using EventCrm.Infrastructure.Storage;
using Marten;
using Marten.Events;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EventCrm.Audit.Tests;

/// <summary>The application on one of the suite's databases, in this process, with the run's checkpoint key.</summary>
public sealed class StoreHost : IAsyncDisposable
{
    public const string SigningKey = "audit-suite-signing-key-0123456789abcdef";

    private StoreHost(IAlbaHost host) => Host = host;

    public IAlbaHost Host { get; }

    public IDocumentStore Store => Host.Services.GetRequiredService<IDocumentStore>();

    public StoreNames Names => Host.Services.GetRequiredService<StoreNames>();

    public static async Task<StoreHost> Start(string database, string auditKey) =>
        new(await AlbaHost.For<Program>(builder =>
        {
            builder.UseEnvironment("Testing");
            foreach (var (key, value) in new Dictionary<string, string>
            {
                ["ConnectionStrings:Postgres"] = Databases.Application(database),
                ["Auth:SigningKey"] = SigningKey,
                ["Api:PublicDocs"] = "false",
                ["Jobs:RunServer"] = "false",
                ["Audit:Signing:Key"] = auditKey,
                ["Audit:Checkpoints:Poll"] = "00:00:00.200",
                ["Logging:Format"] = "text",
                ["Serilog:MinimumLevel:Default"] = "Warning",
                ["Serilog:MinimumLevel:Override:Microsoft.Hosting.Lifetime"] = "Warning",
            })
                builder.UseSetting(key, value);
        }));

    public string Token(string user, params string[] roles) =>
        DevelopmentTokens.Mint(Host.Services.GetRequiredService<IOptions<AuthOptions>>().Value, user, roles, DateTimeOffset.UtcNow);

    /// <summary>Every projection rebuilt from the events, as an operator's rebuild does.</summary>
    public async Task RebuildAll()
    {
        var rebuild = Host.Services.GetRequiredService<RebuildProjections>();
        await rebuild.Run([.. RebuildProjections.Names(Store)], CancellationToken.None);
    }

    public async Task<long> LastSequence()
    {
        await using var command = Host.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand($"select coalesce(max(seq_id), 0) from {Names.Events}");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Waits until the asynchronous projections and the sealer have caught up with the last event.</summary>
    public async Task CaughtUp()
    {
        await Host.WaitForNonStaleProjectionDataAsync(TimeSpan.FromMinutes(2));
        var last = await LastSequence();
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            await using var connection = await Host.Services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync();
            if ((await SealedLog.SealState.Load(connection, CancellationToken.None)).LastSequence >= last) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The sealer did not reach sequence {last} within a minute.");
            await Task.Delay(100);
        }
    }

    public async Task<Checkpoint> Checkpoint()
    {
        await CaughtUp();
        var checkpoints = Host.Services.GetRequiredService<Checkpoints>();
        return await checkpoints.SealAsync(now: true, CancellationToken.None) ?? (await checkpoints.Latest(CancellationToken.None))!;
    }

    public Task<VerificationReport> Verify(IReadOnlyList<Checkpoint>? checkpoints = null) =>
        Host.Services.GetRequiredService<AuditVerifier>().Verify(null, null, checkpoints, CancellationToken.None);

    /// <summary>
    /// A digest of every table a rebuild from the events makes, by table: each projection's documents (id and JSON; not
    /// Marten's per-write version and timestamp columns), the analytics fact tables kept from them, the sealed leaves
    /// and tree nodes, the campaign touches and the attribution view over them, and the access log's rows. Left out: what no projection makes (idempotency keys, the models'
    /// scores and their fact table, the duplicate scan's and the imports' working tables, trained models).
    /// </summary>
    public async Task<SortedDictionary<string, string>> Digests()
    {
        var options = (StoreOptions)Store.Options;
        var tables = options.Projections.AllPublishedTypes().Select(type => Store.Options.Schema.For(type, true)).Distinct().ToList();
        var digests = new SortedDictionary<string, string>();
        await using var connection = await Host.Services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync();
        async Task Digest(string table, string rows, string order)
        {
            await using var command = new NpgsqlCommand(
                $"select count(*) || ' rows, md5 ' || md5(coalesce(string_agg({rows}, E'\\n' order by {order}), '')) from {table} t", connection);
            digests[table] = (string)(await command.ExecuteScalarAsync())!;
        }
        foreach (var table in tables) await Digest(table, "t.id::text || ' ' || t.data::text", "t.id");
        foreach (var fact in AnalyticsSchema.Tables.Where(t => t.Name != "customer_scores"))
            await Digest(fact.Qualified, "t::text", "t::text");
        await Digest(CampaignTouchFactProjection.Table, "t::text", "t.touch_id");
        await Digest(CampaignFactViews.AttributionFacts, "t::text", "t::text");
        await Digest(SealedLog.Leaves, "t::text", "t.leaf_index");
        await Digest(SealedLog.Nodes, "t::text", "t.level, t.index");
        await Digest(PersonalDataReadProjection.Table, "t::text", "t.event_id, t.ordinal");
        return digests;
    }

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();
}
