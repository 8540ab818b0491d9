using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using StandardWebhooks;

namespace EventCrm.Tests.Integrations;

/// <summary>
/// A real HTTP receiver on loopback (Kestrel, a port of 5640-5659): it records every request as it arrived, answers
/// with whatever the test tells it to, and verifies signatures the way a receiver would, with the StandardWebhooks
/// library and the subscription's secret.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private const int FirstPort = 5640, LastPort = 5659;
    private static int _next = FirstPort;

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Received> _received = new();

    /// <summary>The status to answer the next request with (null: 200 OK); the test changes it as it goes.</summary>
    public Func<Received, int>? Answer { get; set; }

    public string Url { get; }

    public IReadOnlyList<Received> Requests => [.. _received];

    /// <summary>The requests it answered with a 2xx, in the order they arrived.</summary>
    public IReadOnlyList<Received> Accepted => [.. _received.Where(r => r.Status is >= 200 and < 300)];

    private WebhookReceiver(WebApplication app, string url)
    {
        _app = app;
        Url = url;
        app.MapPost("/hooks", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            var received = new Received(body, request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()), DateTimeOffset.UtcNow);
            received.Status = Answer?.Invoke(received) ?? 200;
            _received.Enqueue(received);
            return Results.Text(received.Status >= 400 ? "receiver refused: try later" : "ok", statusCode: received.Status);
        });
    }

    public static async Task<WebhookReceiver> Start()
    {
        for (var tries = 0; tries <= LastPort - FirstPort; tries++)
        {
            var port = FirstPort + (Interlocked.Increment(ref _next) - FirstPort - 1) % (LastPort - FirstPort + 1);
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
            var app = builder.Build();
            var receiver = new WebhookReceiver(app, $"http://127.0.0.1:{port}/hooks");
            try
            {
                await app.StartAsync();
                return receiver;
            }
            catch (IOException)
            {
                await app.DisposeAsync();
            }
        }
        throw new InvalidOperationException($"No free port in {FirstPort}-{LastPort} for a webhook receiver.");
    }

    /// <summary>Waits until <paramref name="condition"/> holds of what arrived, or fails saying what did.</summary>
    public async Task Until(Func<WebhookReceiver, bool> condition, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (!condition(this))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"The receiver got {Requests.Count} requests ({Accepted.Count} accepted): " +
                                           string.Join(", ", Requests.Select(r => $"{r.Id} {r.Status}")));
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public sealed class Received(string body, IReadOnlyDictionary<string, string> headers, DateTimeOffset at)
    {
        public string Body { get; } = body;
        public IReadOnlyDictionary<string, string> Headers { get; } = headers;
        public DateTimeOffset At { get; } = at;
        public int Status { get; set; }

        public string Id => Headers["webhook-id"];

        public System.Text.Json.JsonElement Json => System.Text.Json.JsonDocument.Parse(Body).RootElement;

        public string StreamId => Json.GetProperty("data").GetProperty("streamId").GetString()!;

        /// <summary>Verifies the signature with the StandardWebhooks library: throws when it is forged, stale or missing.</summary>
        public void Verify(string secret)
        {
            var headers = new HeaderDictionary();
            foreach (var (key, value) in Headers) headers[key] = value;
            new StandardWebhook(secret).Verify(Body, headers);
        }

        /// <summary>Verifies with the receiver's code in docs/integrations.md, which checks every signature in the header.</summary>
        public bool VerifyEach(string secret) =>
            EventCrm.Client.WebhookSignature.IsAuthentic(secret, Headers["webhook-id"], Headers["webhook-timestamp"], Headers["webhook-signature"], Body,
                DateTimeOffset.UtcNow);
    }
}
