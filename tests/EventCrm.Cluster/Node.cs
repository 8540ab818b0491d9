using System.Diagnostics;
using System.Net;

namespace EventCrm.Cluster;

/// <summary>
/// One application node: the published <c>EventCrm.dll</c> in a process of its own on a loopback port, with the
/// cluster's settings. Its output goes to a log file beside the test results.
/// </summary>
public sealed class Node(int number, int port, IReadOnlyDictionary<string, string> settings, string logDirectory)
{
    private Process? _process;
    private StreamWriter? _log;

    public int Number { get; } = number;
    public Uri Address { get; } = new($"http://127.0.0.1:{port}");
    public int? ProcessId => _process is { HasExited: false } process ? process.Id : null;
    public bool Running => _process is { HasExited: false };

    /// <summary>Started and answering <c>/health/ready</c> (until it is killed or stopped).</summary>
    public bool Ready => _ready && Running;

    private volatile bool _ready;

    public async Task Start()
    {
        var app = Environment.GetEnvironmentVariable("CRM_APP_DLL") is { Length: > 0 } dll && File.Exists(dll)
            ? dll
            : throw new InvalidOperationException("Set CRM_APP_DLL to the published EventCrm.dll (build/crm test does).");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(app)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(app);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(Address.ToString());
        foreach (var (name, value) in settings) start.Environment[name] = value;

        _log ??= new StreamWriter(Path.Combine(logDirectory, $"node-{Number}.log"), append: true) { AutoFlush = true };
        await _log.WriteLineAsync($"--- node {Number} starting on {Address} at {DateTimeOffset.UtcNow:O}");
        var process = Process.Start(start)!;
        var log = _log;
        process.OutputDataReceived += (_, line) => { if (line.Data is not null) lock (log) log.WriteLine(line.Data); };
        process.ErrorDataReceived += (_, line) => { if (line.Data is not null) lock (log) log.WriteLine(line.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await WaitUntilReady();
        _ready = true;
    }

    private async Task WaitUntilReady()
    {
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddMinutes(4); // generous: on a busy machine a start-up compiles its handlers slowly
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited)
                throw new InvalidOperationException($"Node {Number} exited with code {_process.ExitCode} while starting (see node-{Number}.log).");
            try
            {
                if ((await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"Node {Number} was not ready within four minutes (see node-{Number}.log).");
    }

    /// <summary>kill -9: no shutdown, no goodbye to the cluster; its connections die with it.</summary>
    public void Kill()
    {
        _ready = false;
        if (_process is not { HasExited: false } process) return;
        lock (_log!) _log.WriteLine($"--- node {Number} killed (SIGKILL) at {DateTimeOffset.UtcNow:O}");
        process.Kill();
        process.WaitForExit();
    }

    public async Task Stop()
    {
        _ready = false;
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        _process?.Dispose();
        _process = null;
    }

    public override string ToString() => $"node {Number} ({Address}, pid {ProcessId?.ToString() ?? "none"})";
}
