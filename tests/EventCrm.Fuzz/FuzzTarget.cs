using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using EventCrm.Infrastructure.Security;
using Npgsql;

namespace EventCrm.Fuzz;

/// <summary>
/// The published application (<c>CRM_APP_DLL</c>) in a process of its own, served by Kestrel on a loopback port,
/// in the Production environment, against a database of its own on the test cluster (created with
/// <c>CRM_TEST_ADMIN</c>, dropped afterwards). Quiet on purpose: no job server, so between two requests nothing
/// appends events but the requests themselves (and messages they sent, which say so in their source).
/// </summary>
public sealed class FuzzTarget : IAsyncLifetime
{
    public const string SigningKey = "fuzzer-only-signing-key-0123456789abcdef0123";
    private const string OtherKey = "not-the-applications-key-0123456789abcdef0123";

    private Process? _app;
    private NpgsqlDataSource? _store;
    private readonly ConcurrentQueue<string> _log = new();
    private string _database = "";

    public string Host => "127.0.0.1";
    public int Port { get; private set; }
    public JsonElement OpenApi { get; private set; }
    public IReadOnlyList<Operation> Operations { get; private set; } = [];
    public string LogFile { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var appDll = Environment.GetEnvironmentVariable("CRM_APP_DLL");
        var admin = Environment.GetEnvironmentVariable("CRM_TEST_ADMIN");
        var server = Environment.GetEnvironmentVariable("ConnectionStrings__Postgres");
        if (string.IsNullOrEmpty(appDll) || !File.Exists(appDll) || string.IsNullOrEmpty(admin) || string.IsNullOrEmpty(server))
            throw new InvalidOperationException(
                "The fuzzer runs the published application against the test cluster: run it with ./build/crm test --suite fuzz " +
                "(or set CRM_APP_DLL, CRM_TEST_ADMIN and ConnectionStrings__Postgres).");

        _database = $"eventcrm_fuzz_{Environment.ProcessId}_{DateTime.UtcNow:HHmmss}";
        await Databases.CreateWithSchema(_database);
        var connectionString = Databases.Application(_database);

        Port = Environment.GetEnvironmentVariable("CRM_FUZZ_PORT") is { Length: > 0 } port ? int.Parse(port) : FreePort();
        LogFile = Path.Combine(AppContext.BaseDirectory, "fuzz-app.log");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(appDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(appDll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://{Host}:{Port}");
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ConnectionStrings__Postgres"] = connectionString;
        start.Environment["Auth__SigningKey"] = SigningKey;
        start.Environment["Jobs__RunServer"] = "false";
        // The web form's rate limit would answer most hostile posts with 429 before their bodies are checked.
        start.Environment["Sales__WebFormLeadsPerMinute"] = "1000000";
        _app = Process.Start(start)!;
        _app.OutputDataReceived += (_, line) => { if (line.Data is not null) _log.Enqueue(line.Data); };
        _app.ErrorDataReceived += (_, line) => { if (line.Data is not null) _log.Enqueue(line.Data); };
        _app.BeginOutputReadLine();
        _app.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = new Uri($"http://{Host}:{Port}") };
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            if (_app.HasExited)
                throw new InvalidOperationException($"The application exited with code {_app.ExitCode} while starting:\n{string.Join('\n', _log.TakeLast(40))}");
            try
            {
                if ((await http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK) break;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The application was not ready within three minutes.");
            await Task.Delay(250);
        }

        http.DefaultRequestHeaders.Authorization = new("Bearer", Token(Roles.Admin));
        OpenApi = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json")).RootElement.Clone();
        Operations = ApiDescription.Read(OpenApi);

        _store = NpgsqlDataSource.Create(connectionString);
    }

    public bool Running => _app is { HasExited: false };

    private readonly ConcurrentDictionary<string, string> _tokens = new();

    public string Token(string role) =>
        _tokens.GetOrAdd(role, r => DevelopmentTokens.Mint(new AuthOptions { SigningKey = SigningKey }, "fuzzer", [r], DateTimeOffset.UtcNow));

    public string ExpiredToken(string role) => _tokens.GetOrAdd("expired:" + role, _ =>
        DevelopmentTokens.Mint(new AuthOptions { SigningKey = SigningKey }, "fuzzer", [role], DateTimeOffset.UtcNow.AddHours(-3), TimeSpan.FromHours(1)));

    public string ForgedToken(string role) => _tokens.GetOrAdd("forged:" + role, _ =>
        DevelopmentTokens.Mint(new AuthOptions { SigningKey = OtherKey }, "fuzzer", [role], DateTimeOffset.UtcNow));

    /// <summary>What a refused request must leave as it was: the last event's sequence and the stored import file pieces.</summary>
    public async Task<StoreMark> Mark()
    {
        await using var command = _store!.CreateCommand(
            "select (select coalesce(max(seq_id), 0) from crm.mt_events), (select count(*) from crm.import_file_pieces)");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new StoreMark(reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>The events appended after a sequence number: type, stream, what caused them and their source.</summary>
    public async Task<IReadOnlyList<AppendedEvent>> EventsAfter(long sequence)
    {
        await using var command = _store!.CreateCommand(
            "select seq_id, type, stream_id::text, coalesce(causation_id, ''), coalesce(headers ->> 'source', '') from crm.mt_events where seq_id > $1 order by seq_id limit 50");
        command.Parameters.AddWithValue(sequence);
        await using var reader = await command.ExecuteReaderAsync();
        var events = new List<AppendedEvent>();
        while (await reader.ReadAsync())
            events.Add(new AppendedEvent(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4)));
        return events;
    }

    /// <summary>The application's log lines that mention a correlation id (a 500's exception, above all).</summary>
    public IReadOnlyList<string> LogLinesFor(string correlationId) =>
        correlationId.Length == 0 ? [] : _log.Where(line => line.Contains(correlationId, StringComparison.Ordinal)).ToList();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            if (!_app.HasExited) _app.Kill(entireProcessTree: true);
            await _app.WaitForExitAsync();
            _app.Dispose();
        }
        if (LogFile.Length > 0) await File.WriteAllLinesAsync(LogFile, _log);
        if (_store is not null) await _store.DisposeAsync();
        if (_database.Length > 0 && Environment.GetEnvironmentVariable("CRM_TEST_ADMIN") is { Length: > 0 } admin)
        {
            await using var connection = new NpgsqlConnection(admin);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}

public readonly record struct StoreMark(long LastSequence, long FilePieces);

public sealed record AppendedEvent(long Sequence, string Type, string StreamId, string CausationId, string Source)
{
    /// <summary>
    /// Appended in the background, by no request: while a message was handled (an SLA check falling due, a message an
    /// earlier command sent), or by the application itself (the access log's batch of reads, written every second).
    /// </summary>
    public bool InTheBackground => Source.StartsWith("message:", StringComparison.Ordinal) || Source.StartsWith("system:", StringComparison.Ordinal);

    public override string ToString() => $"#{Sequence} {Type} on {StreamId} (source '{Source}', causation '{CausationId}')";
}

[CollectionDefinition(Name)]
public sealed class FuzzCollection : ICollectionFixture<FuzzTarget>
{
    public const string Name = "the application behind Kestrel";
}
