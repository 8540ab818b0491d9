using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MimeKit;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace EventCrm.MailSink;

/// <summary>A message as it arrived: the envelope, the parsed message, and its bytes.</summary>
public sealed record ReceivedMail(int Number, string EnvelopeFrom, IReadOnlyList<string> EnvelopeTo, MimeMessage Message, byte[] Raw,
    DateTimeOffset ReceivedAt)
{
    public string? MessageId => Message.MessageId;
    public string Subject => Message.Subject ?? "";
    public string? Header(string name) => Message.Headers[name];
}

/// <summary>
/// An SMTP server (the SmtpServer package) on a port of its own that accepts everything and keeps it in memory. A
/// hook may hold or refuse a message before it is accepted: what the tests use to stop a sender in the middle of a
/// hand-over.
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly SmtpServer.SmtpServer _server;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;
    private readonly ConcurrentQueue<ReceivedMail> _received = new();
    private readonly int _limit;
    private int _count;

    private SmtpSink(int port, string address, int limit)
    {
        Port = port;
        _limit = limit;
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(this));
        _server = new SmtpServer.SmtpServer(new SmtpServerOptionsBuilder()
            .ServerName("eventcrm-mail-sink")
            .Endpoint(endpoint => endpoint.Endpoint(new IPEndPoint(IPAddress.Parse(address), port)))
            .Build(), services);
        _running = _server.StartAsync(_stop.Token);
    }

    public int Port { get; }

    /// <summary>Called before a message is accepted: it may wait (the client waits for the answer) or throw to refuse it.</summary>
    public Func<ReceivedMail, CancellationToken, Task>? BeforeAccept { get; set; }

    /// <summary>Every message accepted, in order.</summary>
    public IReadOnlyList<ReceivedMail> Messages => [.. _received];

    /// <summary>Starts a sink on <paramref name="port"/> (a free one when 0) of <paramref name="address"/>, keeping the last <paramref name="limit"/> messages.</summary>
    public static async Task<SmtpSink> Start(int port = 0, string address = "127.0.0.1", int limit = 100_000)
    {
        var sink = new SmtpSink(port == 0 ? FreePort(address) : port, address, limit);
        // Answering connections: the listener binds as the server starts.
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Parse(address), sink.Port);
                return sink;
            }
            catch (SocketException)
            {
                await Task.Delay(20);
            }
        }
        throw new InvalidOperationException($"The mail sink did not start on {address}:{sink.Port}.");
    }

    public static int FreePort(string address = "127.0.0.1")
    {
        using var listener = new TcpListener(IPAddress.Parse(address), 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The messages to <paramref name="address"/> (envelope recipient), in order.</summary>
    public IReadOnlyList<ReceivedMail> To(string address) =>
        [.. _received.Where(m => m.EnvelopeTo.Any(t => string.Equals(t, address, StringComparison.OrdinalIgnoreCase)))];

    /// <summary>Waits until <paramref name="condition"/> holds for the messages received, or fails after <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyList<ReceivedMail>> WaitFor(Func<IReadOnlyList<ReceivedMail>, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var messages = Messages;
            if (condition(messages)) return messages;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"The expected mail did not arrive within {timeout.TotalSeconds:0} s ({messages.Count} messages received).");
            await Task.Delay(25);
        }
    }

    public void Clear() => _received.Clear();

    public async ValueTask DisposeAsync()
    {
        _server.Shutdown();
        await _stop.CancelAsync();
        try { await _running; }
        catch (OperationCanceledException) { }
        _stop.Dispose();
    }

    private sealed class Store(SmtpSink sink) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction,
            ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            var raw = buffer.ToArray();
            MimeMessage message;
            using (var stream = new MemoryStream(raw)) message = await MimeMessage.LoadAsync(stream, cancellationToken);
            var mail = new ReceivedMail(Interlocked.Increment(ref sink._count), $"{transaction.From.User}@{transaction.From.Host}",
                [.. transaction.To.Select(t => $"{t.User}@{t.Host}")], message, raw, DateTimeOffset.UtcNow);
            if (sink.BeforeAccept is { } hook)
            {
                try { await hook(mail, cancellationToken); }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    return new SmtpResponse(SmtpReplyCode.MailboxUnavailable, e.Message);
                }
            }
            sink._received.Enqueue(mail);
            while (sink._received.Count > sink._limit && sink._received.TryDequeue(out _)) { }
            return SmtpResponse.Ok;
        }
    }
}
