using System.Net;
using System.Net.Sockets;

namespace EventCrm.Tests.Infrastructure;

/// <summary>
/// A TCP relay between an application under test and the real PostgreSQL, which a test can cut (every open
/// connection reset, new ones refused) and restore: the database "goes away" for that application only, while
/// the other tests keep using the server.
/// </summary>
public sealed class DatabaseLink : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private volatile bool _cut;

    public DatabaseLink(string host, int port, int listenPort)
    {
        _target = new IPEndPoint(Dns.GetHostAddresses(host).First(a => a.AddressFamily == AddressFamily.InterNetwork), port);
        _listener = new TcpListener(IPAddress.Loopback, listenPort);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = Accept();
    }

    public int Port { get; }

    /// <summary>Resets every relayed connection and refuses new ones until <see cref="Restore"/>.</summary>
    public void Cut()
    {
        _cut = true;
        lock (_open)
        {
            foreach (var client in _open)
            {
                try { client.Client.LingerState = new LingerOption(true, 0); client.Close(); } catch (Exception) { /* already gone */ }
            }
            _open.Clear();
        }
    }

    public void Restore() => _cut = false;

    private async Task Accept()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }

            if (_cut)
            {
                client.Client.LingerState = new LingerOption(true, 0);
                client.Close();
                continue;
            }
            _ = Relay(client);
        }
    }

    private async Task Relay(TcpClient client)
    {
        using var server = new TcpClient();
        try
        {
            await server.ConnectAsync(_target, _stop.Token);
            lock (_open) { _open.Add(client); _open.Add(server); }
            using var both = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var up = client.GetStream().CopyToAsync(server.GetStream(), both.Token);
            var down = server.GetStream().CopyToAsync(client.GetStream(), both.Token);
            await Task.WhenAny(up, down);
            await both.CancelAsync();
        }
        catch (Exception)
        {
            // a cut or a closed end: the application sees a broken connection, which is the point
        }
        finally
        {
            lock (_open) { _open.Remove(client); _open.Remove(server); }
            client.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Cut();
    }
}
