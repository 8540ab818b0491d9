using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using EventCrm.Infrastructure.Security;

namespace EventCrm.Faults;

/// <summary>
/// The published application (<c>CRM_APP_DLL</c>, Release) in a process of its own, as an operator runs it on one
/// node: Production settings, Solo durability, a Hangfire server, JSON logs (kept, so a test can read them).
/// It can be killed with SIGKILL and started again on the same port and database.
/// </summary>
public sealed class FaultApp : IAsyncDisposable
{
    public const string SigningKey = "fault-suite-signing-key-0123456789abcdef";

    private readonly string _connectionString;
    private readonly IReadOnlyDictionary<string, string> _settings;
    private Process? _process;

    public FaultApp(string connectionString, int port, IReadOnlyDictionary<string, string>? settings = null)
    {
        _connectionString = connectionString;
        _settings = settings ?? new Dictionary<string, string>();
        Address = new Uri($"http://127.0.0.1:{port}");
    }

    public Uri Address { get; }

    /// <summary>Every line the application wrote, across its restarts.</summary>
    public ConcurrentQueue<string> Log { get; } = new();

    public static string AppDll =>
        Environment.GetEnvironmentVariable("CRM_APP_DLL") is { Length: > 0 } path && File.Exists(path)
            ? path
            : throw new InvalidOperationException("Set CRM_APP_DLL to the published EventCrm.dll (build/crm test does).");

    /// <summary>Starts the process and answers how long it took to be ready.</summary>
    public async Task<TimeSpan> Start()
    {
        var watch = Stopwatch.StartNew();
        _process = Launch(["--urls", Address.ToString()]);
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        while (watch.Elapsed < TimeSpan.FromMinutes(2))
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"The application exited with code {_process.ExitCode} while starting:\n{string.Join('\n', Log.TakeLast(30))}");
            try
            {
                if ((await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK) return watch.Elapsed;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("The application was not ready within two minutes.");
    }

    /// <summary>SIGKILL: no shutdown, no flushing, as a crash or an OOM kill.</summary>
    public async Task Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Runs one of the application's verbs (seed, ...) to its end: exit code and output.</summary>
    public async Task<(int ExitCode, string Output)> RunVerb(params string[] arguments)
    {
        var lines = new ConcurrentQueue<string>();
        using var process = Launch(arguments, lines);
        await process.WaitForExitAsync();
        await Task.Delay(100);
        return (process.ExitCode, string.Join('\n', lines));
    }

    public HttpClient Client(string user, params string[] roles)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 })
        {
            BaseAddress = Address,
            Timeout = TimeSpan.FromSeconds(15),
        };
        var token = DevelopmentTokens.Mint(new AuthOptions { SigningKey = SigningKey }, user, roles, DateTimeOffset.UtcNow);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private Process Launch(string[] arguments, ConcurrentQueue<string>? lines = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(AppDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(AppDll);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ConnectionStrings__Postgres"] = _connectionString;
        start.Environment["Auth__SigningKey"] = SigningKey;
        start.Environment["Wolverine__Mode"] = "Solo";
        start.Environment["Jobs__QueuePollInterval"] = "00:00:01";
        start.Environment["Jobs__WorkerCount"] = "2";
        start.Environment["Logging__Format"] = "json";
        foreach (var (key, value) in _settings) start.Environment[key] = value;
        var process = Process.Start(start)!;
        var sink = lines ?? Log;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) sink.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) sink.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public async ValueTask DisposeAsync()
    {
        await Kill();
        _process?.Dispose();
    }
}
