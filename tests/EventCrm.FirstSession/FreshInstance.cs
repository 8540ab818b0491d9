using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace EventCrm.FirstSession;

/// <summary>
/// <c>./build/crm run</c> as a newcomer starts it, on a database of its own (created on the suite's throwaway
/// cluster, <c>CRM_TEST_ADMIN</c>) and a free port, with no demo data so that the session's answers are exact.
/// </summary>
public sealed class FreshInstance : IAsyncLifetime
{
    private const string Database = "eventcrm_first_session";
    private Process? _run;

    public ConcurrentQueue<string> Output { get; } = new();

    public string Api { get; } = $"http://127.0.0.1:{FreePort()}";

    public async Task InitializeAsync()
    {
        // Made as an operator makes it: owned by the owner's role, which build/crm run applies the schema as; the
        // application connects as its own role.
        var application = new NpgsqlConnectionStringBuilder(Setting("ConnectionStrings__Postgres")) { Database = Database };
        var owner = new NpgsqlConnectionStringBuilder(Setting("CRM_TEST_OWNER")) { Database = Database };
        await Admin($"drop database if exists {Database} with (force)");
        await Admin($"create database {Database} owner {owner.Username}");

        var start = new ProcessStartInfo("bash", [Path.Combine(ReadmeSession.RepositoryRoot(), "build", "crm"), "run"])
        {
            WorkingDirectory = ReadmeSession.RepositoryRoot(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ConnectionStrings__Postgres"] = application.ConnectionString;
        start.Environment["CRM_OWNER_CONNECTION"] = owner.ConnectionString;
        start.Environment["CRM_URL"] = Api;
        start.Environment["CRM_DEMO_CUSTOMERS"] = "0";
        // The run's mail sink on ports of its own, so a developer's running sink does not stand in the way.
        start.Environment["CRM_MAIL_SMTP_PORT"] = FreePort().ToString();
        start.Environment["CRM_MAIL_HTTP_PORT"] = FreePort().ToString();
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        _run = Process.Start(start)!;
        _run.OutputDataReceived += (_, e) => { if (e.Data is not null) Output.Enqueue(e.Data); };
        _run.ErrorDataReceived += (_, e) => { if (e.Data is not null) Output.Enqueue(e.Data); };
        _run.BeginOutputReadLine();
        _run.BeginErrorReadLine();

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromMinutes(4))
        {
            if (_run.HasExited) throw new InvalidOperationException($"build/crm run ended ({_run.ExitCode}):\n{string.Join('\n', Output)}");
            try
            {
                if ((await client.GetAsync($"{Api}/health/ready")).StatusCode == HttpStatusCode.OK) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"build/crm run was not ready within four minutes:\n{string.Join('\n', Output.TakeLast(40))}");
    }

    public async Task DisposeAsync()
    {
        if (_run is { HasExited: false }) _run.Kill(entireProcessTree: true);
        if (_run is not null) await _run.WaitForExitAsync();
        await Admin($"drop database if exists {Database} with (force)");
    }

    private static async Task Admin(string sql)
    {
        await using var connection = new NpgsqlConnection(Setting("CRM_TEST_ADMIN"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static string Setting(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: run this suite with ./build/crm test.");

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
