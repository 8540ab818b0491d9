using System.Net.Sockets;
using System.Text;

namespace EventCrm.Fuzz;

/// <summary>How a request body is framed on the wire.</summary>
public enum Framing
{
    /// <summary>A <c>Content-Length</c> header (none for an empty body).</summary>
    Length,
    /// <summary><c>Transfer-Encoding: chunked</c>, in chunks of the given sizes.</summary>
    Chunked,
    /// <summary>The request states its own framing headers (or none) and its body is sent as it is.</summary>
    AsWritten,
}

/// <summary>
/// An HTTP/1.1 request exactly as it goes on the wire: what a hostile client sends and HttpClient would refuse or
/// tidy up (a NUL in a path, raw bytes in a header, chunks of chosen sizes, conflicting framing).
/// </summary>
public sealed record WireRequest(string Method, string Target, IReadOnlyList<(string Name, byte[] Value)> Headers, byte[] Body,
    Framing Framing = Framing.Length, int ChunkSize = 0)
{
    /// <summary>A body made as it is sent (chunked), for bodies too large to hold: each piece one chunk.</summary>
    public Func<IEnumerable<ReadOnlyMemory<byte>>>? Streamed { get; init; }

    public static (string, byte[]) Header(string name, string value) => (name, Encoding.UTF8.GetBytes(value));

    public string? HeaderValue(string name) =>
        Headers.Where(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => Encoding.UTF8.GetString(h.Value)).FirstOrDefault();

    public byte[] Head(string host)
    {
        var head = new MemoryStream();
        void Write(string text) => head.Write(Encoding.Latin1.GetBytes(text));
        // The target may hold any character: written as UTF-8 bytes, as a hostile client would.
        head.Write(Encoding.ASCII.GetBytes(Method + " "));
        head.Write(Encoding.UTF8.GetBytes(Target));
        Write(" HTTP/1.1\r\n");
        if (!Headers.Any(h => h.Name.Equals("Host", StringComparison.OrdinalIgnoreCase))) Write($"Host: {host}\r\n");
        foreach (var (name, value) in Headers)
        {
            Write(name + ": ");
            head.Write(value);
            Write("\r\n");
        }
        if (Framing == Framing.Length && (Body.Length > 0 || Method is "POST" or "PUT" or "PATCH")) Write($"Content-Length: {Body.Length}\r\n");
        if (Framing == Framing.Chunked) Write("Transfer-Encoding: chunked\r\n");
        Write("\r\n");
        return head.ToArray();
    }

    public IEnumerable<ReadOnlyMemory<byte>> BodyOnTheWire()
    {
        if (Streamed is not null)
        {
            foreach (var piece in Streamed())
            {
                yield return Encoding.ASCII.GetBytes($"{piece.Length:x}\r\n");
                yield return piece;
                yield return "\r\n"u8.ToArray();
            }
            yield return "0\r\n\r\n"u8.ToArray();
            yield break;
        }
        if (Framing != Framing.Chunked)
        {
            if (Body.Length > 0) yield return Body;
            yield break;
        }
        var size = ChunkSize > 0 ? ChunkSize : 8192;
        for (var at = 0; at < Body.Length; at += size)
        {
            var length = Math.Min(size, Body.Length - at);
            var prefix = Encoding.ASCII.GetBytes($"{length:x}\r\n");
            var framed = new MemoryStream(length + 16);
            framed.Write(prefix);
            framed.Write(Body, at, length);
            framed.Write("\r\n"u8);
            yield return framed.ToArray();
        }
        yield return "0\r\n\r\n"u8.ToArray();
    }

    /// <summary>For a failure report: the request line, the headers and the start of the body.</summary>
    public string Describe(int bodyBytes = 600)
    {
        var text = new StringBuilder();
        text.Append(Method).Append(' ').Append(Shorten(Printable(Target), 400)).Append('\n');
        foreach (var (name, value) in Headers)
            text.Append(name).Append(": ").Append(Shorten(Name(name) ? "<token>" : Printable(Encoding.UTF8.GetString(value)), 200)).Append('\n');
        if (Framing == Framing.Chunked) text.Append($"Transfer-Encoding: chunked ({(ChunkSize > 0 ? ChunkSize : 8192)}-byte chunks)\n");
        if (Body.Length > 0)
            text.Append($"[{Body.Length} bytes] ").Append(Shorten(Printable(Encoding.UTF8.GetString(Body, 0, Math.Min(Body.Length, bodyBytes))), bodyBytes));
        return text.ToString();

        static bool Name(string header) => header.Equals("Authorization", StringComparison.OrdinalIgnoreCase);
    }

    public static string Printable(string text)
    {
        var shown = new StringBuilder(text.Length);
        foreach (var c in text)
            shown.Append(c switch
            {
                '\0' => "\\0",
                _ when char.IsControl(c) => $"\\x{(int)c:x2}",
                _ when char.IsSurrogate(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        return shown.ToString();
    }

    public static string Shorten(string text, int length) => text.Length <= length ? text : text[..length] + $"… ({text.Length} characters)";
}

public sealed record WireResponse(int Status, IReadOnlyList<(string Name, string Value)> Headers, byte[] Body, TimeSpan Elapsed)
{
    public string? Header(string name) =>
        Headers.Where(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault();

    public string Text => Encoding.UTF8.GetString(Body);

    public bool Closes => Header("Connection")?.Contains("close", StringComparison.OrdinalIgnoreCase) == true;
}

/// <summary>
/// One keep-alive HTTP/1.1 connection to the application, reopened when the server closes it. The body is written
/// while the answer is read, so that a server which answers early (a 413 before the body is read) is heard.
/// </summary>
public sealed class WireClient(string host, int port) : IDisposable
{
    private TcpClient? _tcp;
    private NetworkStream? _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start, _end;

    public async Task<WireResponse> Send(WireRequest request, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var reused = _stream is not null;
        try
        {
            return await Exchange(request, started, deadline.Token);
        }
        catch (Exception e) when (reused && e is IOException or SocketException or ObjectDisposedException && !deadline.IsCancellationRequested)
        {
            // A kept-alive connection the server had closed while it was idle: once more on a new one.
            Close();
            return await Exchange(request, started, deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            Close();
            throw new TimeoutException($"No answer within {timeout.TotalSeconds:0} s.");
        }
    }

    private async Task<WireResponse> Exchange(WireRequest request, System.Diagnostics.Stopwatch started, CancellationToken cancellation)
    {
        var stream = await Connect(cancellation);
        using var writing = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var write = Write(stream, request, writing.Token);
        WireResponse response;
        try
        {
            response = await Read(stream, request.Method == "HEAD", started, cancellation);
        }
        catch (Exception e) when (e is IOException or EndOfStreamException && write.IsFaulted)
        {
            Close();
            throw new IOException("The server closed the connection before answering.", write.Exception);
        }
        // An answer before the whole body was sent (or while the server discards it): the rest is not needed.
        writing.Cancel();
        var sentWhole = true;
        try
        {
            await write;
        }
        catch (Exception)
        {
            sentWhole = false;
        }
        if (response.Closes || !sentWhole) Close();
        return response;
    }

    /// <summary>Body bytes written for the last request before its answer came (or all of them).</summary>
    public long BodyBytesSent { get; private set; }

    private async Task Write(NetworkStream stream, WireRequest request, CancellationToken cancellation)
    {
        BodyBytesSent = 0;
        await stream.WriteAsync(request.Head("127.0.0.1"), cancellation);
        foreach (var piece in request.BodyOnTheWire())
            for (var at = 0; at < piece.Length; at += 64 * 1024)
            {
                var slice = piece.Slice(at, Math.Min(64 * 1024, piece.Length - at));
                await stream.WriteAsync(slice, cancellation);
                BodyBytesSent += slice.Length;
            }
    }

    private async Task<NetworkStream> Connect(CancellationToken cancellation)
    {
        if (_stream is not null && _tcp is { Connected: true }) return _stream;
        Close();
        _tcp = new TcpClient { NoDelay = true };
        await _tcp.ConnectAsync(host, port, cancellation);
        _stream = _tcp.GetStream();
        return _stream;
    }

    private async Task<WireResponse> Read(NetworkStream stream, bool head, System.Diagnostics.Stopwatch started, CancellationToken cancellation)
    {
        while (true)
        {
            var statusLine = await ReadLine(stream, cancellation);
            var parts = statusLine.Split(' ', 3);
            if (parts.Length < 2 || !int.TryParse(parts[1], out var status)) throw new IOException($"Not an HTTP answer: '{statusLine}'.");
            var headers = new List<(string, string)>();
            for (var line = await ReadLine(stream, cancellation); line.Length > 0; line = await ReadLine(stream, cancellation))
            {
                var colon = line.IndexOf(':');
                headers.Add((line[..colon].Trim(), line[(colon + 1)..].Trim()));
            }
            if (status is >= 100 and < 200) continue; // 100 Continue: the answer follows
            string? Find(string name) => headers.Where(h => h.Item1.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Item2).FirstOrDefault();

            byte[] body;
            if (head || status is 204 or 304) body = [];
            else if (Find("Transfer-Encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true)
            {
                var content = new MemoryStream();
                while (true)
                {
                    var sizeLine = await ReadLine(stream, cancellation);
                    var size = Convert.ToInt32(sizeLine.Split(';')[0].Trim(), 16);
                    if (size == 0)
                    {
                        while ((await ReadLine(stream, cancellation)).Length > 0) { }
                        break;
                    }
                    content.Write(await ReadExactly(stream, size, cancellation));
                    await ReadLine(stream, cancellation);
                }
                body = content.ToArray();
            }
            else if (Find("Content-Length") is { } length) body = await ReadExactly(stream, int.Parse(length), cancellation);
            else
            {
                var content = new MemoryStream();
                content.Write(_buffer, _start, _end - _start);
                _start = _end = 0;
                await stream.CopyToAsync(content, cancellation);
                body = content.ToArray();
                Close();
            }
            return new WireResponse(status, headers, body, started.Elapsed);
        }
    }

    private async Task<string> ReadLine(NetworkStream stream, CancellationToken cancellation)
    {
        var line = new MemoryStream();
        while (true)
        {
            if (_start == _end) await Fill(stream, cancellation);
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline < 0)
            {
                line.Write(_buffer, _start, _end - _start);
                _start = _end;
                continue;
            }
            line.Write(_buffer, _start, newline - _start);
            _start = newline + 1;
            var bytes = line.ToArray();
            return Encoding.Latin1.GetString(bytes).TrimEnd('\r');
        }
    }

    private async Task<byte[]> ReadExactly(NetworkStream stream, int count, CancellationToken cancellation)
    {
        var result = new byte[count];
        var filled = 0;
        while (filled < count)
        {
            if (_start == _end) await Fill(stream, cancellation);
            var take = Math.Min(count - filled, _end - _start);
            Array.Copy(_buffer, _start, result, filled, take);
            _start += take;
            filled += take;
        }
        return result;
    }

    private async Task Fill(NetworkStream stream, CancellationToken cancellation)
    {
        _start = 0;
        _end = await stream.ReadAsync(_buffer, cancellation);
        if (_end == 0) throw new EndOfStreamException("The server closed the connection.");
    }

    private void Close()
    {
        _stream?.Dispose();
        _tcp?.Dispose();
        (_stream, _tcp, _start, _end) = (null, null, 0, 0);
    }

    public void Dispose() => Close();
}
