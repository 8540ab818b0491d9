using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace EventCrm.Cluster;

/// <summary>
/// nginx from Debian with <c>docker/nginx.conf</c> rendered for loopback exactly as <c>build/crm nodes</c> does:
/// the <c>appN:8080</c> servers become the nodes' ports (same parameters), the balancer listens on a port of its
/// own, and temporary files stay in its directory.
/// </summary>
public sealed partial class Balancer(string directory, int port) : IAsyncDisposable
{
    private Process? _process;
    private string? _nginx;

    private ProcessStartInfo Command(string global, params string[] more)
    {
        var start = new ProcessStartInfo(_nginx!) { UseShellExecute = false };
        foreach (var argument in new[] { "-p", directory, "-c", Path.Combine(directory, "nginx.conf"), "-g",
                     $"{global} pid {Path.Combine(directory, "nginx.pid")}; error_log {Path.Combine(directory, "error.log")};" }.Concat(more))
            start.ArgumentList.Add(argument);
        return start;
    }

    public Uri Address { get; } = new($"http://127.0.0.1:{port}");

    public static string Render(string template, int listen, IEnumerable<int> nodes)
    {
        var output = new StringBuilder();
        var serversWritten = false;
        foreach (var line in template.Split('\n'))
        {
            var server = UpstreamServer().Match(line);
            if (server.Success)
            {
                if (!serversWritten)
                    foreach (var node in nodes) output.Append($"    server 127.0.0.1:{node}{server.Groups["params"].Value}\n");
                serversWritten = true;
            }
            else if (line.Trim() == "listen 8080;") output.Append($"    listen 127.0.0.1:{listen};\n");
            else if (line.StartsWith("http {", StringComparison.Ordinal))
                output.Append(line).Append('\n')
                    .Append("  client_body_temp_path temp/body; proxy_temp_path temp/proxy; fastcgi_temp_path temp/fastcgi;\n")
                    .Append("  uwsgi_temp_path temp/uwsgi; scgi_temp_path temp/scgi; access_log off;\n");
            else output.Append(line).Append('\n');
        }
        return output.ToString().TrimEnd('\n') + "\n";
    }

    public async Task Start(string template, IEnumerable<int> nodes)
    {
        Directory.CreateDirectory(Path.Combine(directory, "temp"));
        // nginx's workers drop root: they must be able to reach the directory (and create temporary files in it).
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
            File.SetUnixFileMode(Path.Combine(directory, "temp"), (UnixFileMode)0b111_111_111 | UnixFileMode.StickyBit);
        }
        var config = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(config, Render(template, Address.Port, nodes));
        var nginx = new[] { Environment.GetEnvironmentVariable("CRM_NGINX"), "/usr/sbin/nginx" }
            .FirstOrDefault(path => !string.IsNullOrEmpty(path) && File.Exists(path))
            ?? throw new InvalidOperationException("nginx is not installed (build/crm test installs it, or apt-get install nginx).");
        _nginx = nginx;
        // Not redirected: nginx's workers would hold the pipes open after the master is gone. It logs to error.log.
        _process = Process.Start(Command("daemon off;"))!;

        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        for (var i = 0; i < 100; i++)
        {
            if (_process.HasExited) throw new InvalidOperationException($"nginx exited with {_process.ExitCode}: see {directory}/error.log");
            try
            {
                if ((await client.GetAsync("/health/live")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("nginx did not answer within 10 s");
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            // "nginx -s stop": the master stops its workers, then itself.
            using (var stop = Process.Start(Command("", "-s", "stop"))!) await stop.WaitForExitAsync();
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await process.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        _process?.Dispose();
    }

    [GeneratedRegex(@"^\s*server app[0-9]+:8080(?<params>.*)$")]
    private static partial Regex UpstreamServer();
}
