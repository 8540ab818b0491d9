using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using EventCrm.Infrastructure.Security;
using Microsoft.Playwright;
using Npgsql;

namespace EventCrm.Console;

/// <summary>
/// The published application (<c>CRM_APP_DLL</c>) in a process of its own on a loopback port of the console suite's
/// range (5660-5679), in Production, against a database of its own on the test cluster; a few customers registered
/// through the API (one with a hostile name); and Debian's Chromium, driven by Playwright.
/// </summary>
public sealed class ConsoleApp : IAsyncLifetime
{
    public const string SigningKey = "console-suite-signing-key-0123456789abcdef01";

    /// <summary>The checkpoints' signing key (ECDSA P-256), made for this run.</summary>
    public static readonly string AuditKey = EventCrm.Audit.AuditKeys.NewPrivateKeyPem();
    public const string Chromium = "/usr/bin/chromium";
    public const string HostileName = "<img src=x onerror=alert(1)>";

    private AppProcess? _app;
    private readonly Lazy<Task<SignInDeployment>> _provider = new(SignInDeployment.Start);
    private string _database = "";
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;
    public string Url { get; private set; } = "";
    public HttpClient Admin { get; private set; } = null!;
    public Guid Ada { get; private set; }
    public Guid Hostile { get; private set; }
    public Guid Campaign { get; private set; }
    public string Screenshots { get; private set; } = "";

    /// <summary>
    /// A second deployment of the application that signs people in through an OpenID Connect provider (one in this
    /// process), started the first time a test asks for it.
    /// </summary>
    public Task<SignInDeployment> WithProvider() => _provider.Value;

    public async Task InitializeAsync()
    {
        var appDll = Setting("CRM_APP_DLL");
        if (!File.Exists(Chromium)) throw new InvalidOperationException($"No Chromium at {Chromium}: ./build/crm test installs Debian's 'chromium' package (as root).");
        Screenshots = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(appDll))!, "console");
        Directory.CreateDirectory(Screenshots);

        var application = new NpgsqlConnectionStringBuilder(Setting("ConnectionStrings__Postgres"));
        _database = $"eventcrm_console_{Environment.ProcessId}";
        // Owned by the owner's role, the schema applied by db-apply; the application connects as its own role.
        await Databases.CreateWithSchema(_database);
        application.Database = _database;

        _app = AppProcess.Start(new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = application.ConnectionString,
            ["Auth__SigningKey"] = SigningKey,
            ["Jobs__RunServer"] = "false",
            // Checkpoints signed within a second of the events, so the sealed-log page and the export have proofs to show.
            ["Audit__Signing__Key"] = AuditKey,
            ["Audit__Checkpoints__Interval"] = "00:00:01",
        });
        Url = _app.Url;

        // Chromium starts while the application does.
        var watch = Stopwatch.StartNew();
        var browser = StartBrowser();
        Admin = Client(Roles.Admin, "alice");
        await _app.Ready();
        var ready = watch.Elapsed;
        Browser = await browser;
        var launched = watch.Elapsed;
        await Seed();
        _app.Note($"[console suite] application ready after {ready.TotalSeconds:F1} s, Chromium after {launched.TotalSeconds:F1} s, seeded and projected after {watch.Elapsed.TotalSeconds:F1} s");
    }

    private async Task<IBrowser> StartBrowser()
    {
        _playwright = await Playwright.CreateAsync();
        return await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true });
    }

    /// <summary>Ada, whose e-mail changed once and who bought twice, with a deal and a ticket; and a customer whose name is markup.</summary>
    private async Task Seed()
    {
        Ada = await Register(new { name = "Ada Lovelace", email = "ada@example.com", phone = "+44 20 7946 0958", country = "GB", region = "London" });
        await Post($"/api/customers/{Ada}/contact-details", new { version = 1, email = "ada@analytical.engine" });
        await Post($"/api/customers/{Ada}/purchases", new { version = 2, amount = 120.50m, currency = "EUR", product = "Difference engine", category = "Machines" });
        await Post($"/api/customers/{Ada}/purchases", new { version = 3, amount = 80m, currency = "EUR", product = "Punched cards", category = "Supplies" });
        await Post("/api/opportunities", new { customerId = Ada, title = "Analytical engine", amount = 5000m, currency = "EUR",
            expectedCloseDate = DateTime.UtcNow.AddMonths(2).ToString("yyyy-MM-dd") });
        await Post("/api/tickets", new { customerId = Ada, kind = "inquiry", subject = "Where are my cards?", description = "The punched cards have not arrived." });

        Hostile = await Register(new { name = HostileName, email = "mallory@example.com", country = "DE" });
        await Post($"/api/customers/{Hostile}/purchases", new { version = 1, amount = 10m, currency = "EUR", product = "<script>alert(2)</script>", category = "=HYPERLINK(\"x\")" });

        // An ads campaign that touched Ada the day before her purchases: the dashboard's attribution panel credits it.
        var campaign = Campaign = (await Post("/api/marketing/campaigns", new { name = "Engine ads", channel = "ads" })).GetProperty("id").GetGuid();
        await Post($"/api/marketing/campaigns/{campaign}/schedule", new { version = 1 });
        var watch = Stopwatch.StartNew();
        while ((await Admin.GetFromJsonAsync<JsonElement>($"/api/marketing/campaigns/{campaign}")).GetProperty("status").GetString() != "running")
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException("The campaign did not start within 30 seconds.");
            await Task.Delay(100);
        }
        await Post($"/api/marketing/campaigns/{campaign}/touches",
            new { touches = new[] { new { customerId = Ada, kind = "click", at = DateTimeOffset.UtcNow.AddDays(-1) } } });

        // The analytics facts are an asynchronous projection, and so are the pipeline and the touches: the dashboard's
        // figures are there once they have caught up.
        watch.Restart();
        while (true)
        {
            var trend = await Admin.GetFromJsonAsync<JsonElement>("/api/analytics/revenue/monthly");
            var pipeline = await Admin.GetFromJsonAsync<JsonElement>("/api/reports/pipeline");
            var attribution = await Admin.GetFromJsonAsync<JsonElement>("/api/analytics/attribution?compare=true");
            if (trend.GetProperty("months").EnumerateArray().Sum(m => m.GetProperty("purchases").GetInt64()) >= 3
                && pipeline.GetProperty("stages").GetArrayLength() > 0
                && attribution.GetProperty("models")[0].GetProperty("campaigns").GetArrayLength() > 0) return;
            if (watch.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException("The purchase facts, the pipeline and the touches did not catch up within a minute.");
            await Task.Delay(250);
        }
    }

    private async Task<Guid> Register(object customer)
    {
        var created = await Post("/api/customers", customer);
        return created.GetProperty("id").GetGuid();
    }

    private async Task<JsonElement> Post(string path, object body)
    {
        var response = await Admin.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>
    /// Gives the models something to learn from, then trains one in a process of its own (the application's
    /// <c>models train</c> verb, as an operator would). The customers are ones no other test searches for (names and
    /// e-mails without "ada" or markup); the pages that show them compare with the API's live answers.
    /// </summary>
    public async Task TrainModel(string model)
    {
        var random = new Random(7);
        for (var i = 0; i < 80; i++)
        {
            var id = await Register(new { name = $"Card Reader {i:00}", email = $"reader{i:00}@cards.example", country = "DE",
                age = 20 + random.Next(50), annualIncome = 20_000 + random.Next(100) * 1_000 });
            for (var p = 0; p < 1 + i % 4; p++)
                await Post($"/api/customers/{id}/purchases", new { version = 1 + p, amount = 10m + random.Next(500), currency = "EUR",
                    product = "Catalogue", category = "Books", purchasedAt = DateTimeOffset.UtcNow.AddDays(-random.Next(1, 300)) });
        }
        await Databases.Verb(Databases.Application(_database), new Dictionary<string, string> { ["Auth__SigningKey"] = SigningKey },
            "models", "train", model);
    }

    public string Token(string role, string user = "audrey", TimeSpan? lifetime = null) =>
        DevelopmentTokens.Mint(new AuthOptions { SigningKey = SigningKey }, user, [role], DateTimeOffset.UtcNow, lifetime);

    /// <summary>An API client with a token of one role, to compare what a page shows with what the API answers.</summary>
    public HttpClient Client(string role, string user = "audrey")
    {
        var client = new HttpClient { BaseAddress = new Uri(Url) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(role, user));
        return client;
    }

    /// <summary>The highest event sequence in the store: what a read-only walk through the console must leave as it was.</summary>
    /// <summary>The events appended after <paramref name="sequence"/>: their type and their data as JSON.</summary>
    public async Task<List<(string Type, string Data)>> EventsAfter(long sequence)
    {
        var application = new NpgsqlConnectionStringBuilder(Setting("ConnectionStrings__Postgres")) { Database = _database };
        await using var connection = new NpgsqlConnection(application.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select type, data::text from crm.mt_events where seq_id > $1 order by seq_id", connection);
        command.Parameters.AddWithValue(sequence);
        await using var reader = await command.ExecuteReaderAsync();
        var events = new List<(string, string)>();
        while (await reader.ReadAsync()) events.Add((reader.GetString(0), reader.GetString(1)));
        return events;
    }

    public async Task<long> LastSequence()
    {
        var application = new NpgsqlConnectionStringBuilder(Setting("ConnectionStrings__Postgres")) { Database = _database };
        await using var connection = new NpgsqlConnection(application.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select coalesce(max(seq_id), 0) from crm.mt_events", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public IReadOnlyList<string> Log => _app?.Log ?? [];

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        _playwright?.Dispose();
        if (_provider.IsValueCreated) await (await _provider.Value).DisposeAsync();
        if (_app is not null) await _app.DisposeAsync();
        if (Environment.GetEnvironmentVariable("CRM_TEST_RESULTS") is { Length: > 0 } results)
            await File.WriteAllLinesAsync(Path.Combine(results, "console-app.log"), Log);
        if (_database.Length > 0) await Sql($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)");
    }

    private static async Task Sql(string sql)
    {
        await using var connection = new NpgsqlConnection(Setting("CRM_TEST_ADMIN"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static string Setting(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: run this suite with ./build/crm test --suite console.");
}

[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<ConsoleApp>
{
    public const string Name = "the console in Chromium";
}
