using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EventCrm.Console;

/// <summary>
/// The published application (<c>CRM_APP_DLL</c>) in a process of its own, in Production, on a loopback port of the
/// console suite's range (5660-5679), configured by environment variables as an operator would; its output kept.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _log = new();

    public string Url { get; }
    public IReadOnlyList<string> Log => [.. _log];

    private AppProcess(string url, IReadOnlyDictionary<string, string> environment)
    {
        Url = url;
        var appDll = Databases.AppDll;
        if (!File.Exists(appDll)) throw new InvalidOperationException($"No published application at {appDll}: run ./build/crm test --suite console.");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(appDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(appDll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(url);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (name, value) in environment) start.Environment[name] = value;
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, line) => { if (line.Data is not null) _log.Enqueue(line.Data); };
        _process.ErrorDataReceived += (_, line) => { if (line.Data is not null) _log.Enqueue(line.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static AppProcess Start(IReadOnlyDictionary<string, string> environment) => new($"http://127.0.0.1:{FreePort()}", environment);

    public void Note(string line) => _log.Enqueue(line);

    /// <summary>Until <c>/health/ready</c> answers 200 (two minutes at most).</summary>
    public async Task Ready()
    {
        var watch = Stopwatch.StartNew();
        using var http = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(5) };
        while (watch.Elapsed < TimeSpan.FromMinutes(2))
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"The application exited with code {_process.ExitCode} while starting:\n{string.Join('\n', _log.TakeLast(40))}");
            try
            {
                if ((await http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"The application was not ready within two minutes:\n{string.Join('\n', _log.TakeLast(40))}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    /// <summary>The first free port of the console suite's range.</summary>
    public static int FreePort()
    {
        for (var port = 5660; port <= 5679; port++)
        {
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // taken: the next one
            }
        }
        throw new InvalidOperationException("No free port between 5660 and 5679 for the console suite.");
    }
}
