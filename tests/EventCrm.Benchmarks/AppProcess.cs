using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EventCrm.Infrastructure.Security;

namespace EventCrm.Benchmarks;

/// <summary>
/// The application as it is deployed: the built <c>EventCrm.dll</c> (<c>CRM_BENCH_APP</c>) in a process of its
/// own, serving HTTP through Kestrel on a loopback port, in the Production environment with its settings as
/// shipped (a JSON log line per request included; this process drains and drops the output).
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    /// <summary>The key both this process and the application sign and check development tokens with.</summary>
    public const string SigningKey = "benchmarks-only-signing-key-0123456789abcdef";

    private readonly Process _process;

    private AppProcess(Process process, Uri address) => (_process, Address) = (process, address);

    public Uri Address { get; }

    public static string AppDll =>
        Environment.GetEnvironmentVariable("CRM_BENCH_APP") is { Length: > 0 } path && File.Exists(path)
            ? path
            : throw new InvalidOperationException("Set CRM_BENCH_APP to the built EventCrm.dll (build/crm bench does).");

    /// <summary>
    /// The audit sealer off: a fresh copy of a template is sealed from its first event on (about 1,200 events/s), which
    /// would run beside a read or a store-size measurement for minutes or hours; its own cost is the audit scenario's.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Unsealed = new Dictionary<string, string> { ["Audit__Seal"] = "false" };

    /// <summary>From the launch to the first answer of <c>/health/live</c>, and to the first 200 of <c>/health/ready</c>.</summary>
    public TimeSpan LiveAfter { get; private set; }
    public TimeSpan ReadyAfter { get; private set; }

    /// <summary>
    /// Starts the application (<paramref name="dll"/>, or <see cref="AppDll"/>); <paramref name="settings"/> are
    /// environment variables over its shipped settings (Audit__Seal=false, ...).
    /// </summary>
    public static async Task<AppProcess> Start(string connectionString, IReadOnlyDictionary<string, string>? settings = null,
        string? dll = null, TimeSpan? poll = null)
    {
        var watch = Stopwatch.StartNew();
        var address = new Uri($"http://127.0.0.1:{FreePort()}");
        var process = Launch(dll ?? AppDll, ["--urls", address.ToString()], connectionString, settings: settings);
        var app = new AppProcess(process, address);
        using var client = new HttpClient { BaseAddress = address };
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"The application exited with code {process.ExitCode} while starting.");
            try
            {
                if (app.LiveAfter == TimeSpan.Zero && (await client.GetAsync("/health/live")).IsSuccessStatusCode) app.LiveAfter = watch.Elapsed;
                if ((await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK)
                {
                    app.ReadyAfter = watch.Elapsed;
                    return app;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(200));
        }
        await app.DisposeAsync();
        throw new TimeoutException("The application was not ready within two minutes.");
    }

    /// <summary>Runs one of the application's shell verbs to its end; answers the exit code.</summary>
    public static async Task<int> RunVerb(string[] arguments, string connectionString) =>
        (await RunVerbWithOutput(arguments, connectionString)).ExitCode;

    /// <summary>Runs one of the application's shell verbs to its end; answers the exit code and what it wrote.</summary>
    public static async Task<(int ExitCode, string Output)> RunVerbWithOutput(string[] arguments, string connectionString)
    {
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var process = Launch(AppDll, arguments, connectionString, output);
        await process.WaitForExitAsync();
        return (process.ExitCode, string.Join('\n', output));
    }

    /// <summary>A client with as many connections as there are workers, carrying a token with the role.</summary>
    public HttpClient Client(int connections, string role) => Client(Address, connections, role);

    /// <summary>A client of <paramref name="address"/> (the application, or a balancer in front of it).</summary>
    public static HttpClient Client(Uri address, int connections, string role)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = address,
        };
        var token = DevelopmentTokens.Mint(new AuthOptions { SigningKey = SigningKey }, "bench", [role], DateTimeOffset.UtcNow);
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Throws with the status and the problem the application answered when it refused.</summary>
    public static async Task Succeeded(HttpResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"{(int)response.StatusCode} {response.RequestMessage?.RequestUri?.AbsolutePath}: {await response.Content.ReadAsStringAsync()}");
    }

    private static Process Launch(string dll, string[] arguments, string connectionString,
        System.Collections.Concurrent.ConcurrentQueue<string>? output = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ConnectionStrings__Postgres"] = connectionString;
        start.Environment["Auth__SigningKey"] = SigningKey;
        start.Environment["Jobs__RunServer"] = "false";
        foreach (var (name, value) in settings ?? new Dictionary<string, string>()) start.Environment[name] = value;
        // Settings to try on the application alone (not on the harness or the CRUD peer): CRM_BENCH_APP_ENV holds
        // NAME=VALUE pairs separated by ';' (e.g. DOTNET_gcServer=0), CRM_BENCH_APP_CONNECTION keywords added to its
        // connection string (e.g. No Reset On Close=true).
        foreach (var pair in (Environment.GetEnvironmentVariable("CRM_BENCH_APP_ENV") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
            if (pair.Split('=', 2) is [var name, var value]) start.Environment[name.Trim()] = value;
        if (Environment.GetEnvironmentVariable("CRM_BENCH_APP_CONNECTION") is { Length: > 0 } extra)
            start.Environment["ConnectionStrings__Postgres"] = $"{connectionString.TrimEnd(';')};{extra}";
        var process = Process.Start(start)!;
        // Drained (and dropped unless asked for): a full pipe would stall the application.
        process.OutputDataReceived += (_, line) => { if (line.Data is not null) output?.Enqueue(line.Data); };
        process.ErrorDataReceived += (_, line) => { if (line.Data is not null) output?.Enqueue(line.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
