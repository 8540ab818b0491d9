using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EventCrm.Benchmarks.Scenarios;

/// <summary>
/// The event feed read from the beginning of a seeded store, page after page (one client, 500 a page), and the
/// latency of a webhook delivery: from sending a registration to its event arriving at a receiver on loopback
/// (Kestrel in this process), one registration at a time.
/// </summary>
public static class Feed
{
    private const int ReceiverPort = 5655;

    public static async Task<Section> Run(BenchServer server, Plan plan)
    {
        var connection = await server.Work(await server.Template(plan.FeedCustomers));
        var settings = new Dictionary<string, string>
        {
            ["Webhooks__AllowPrivateTargets"] = "true",
            ["Webhooks__AllowHttp"] = "true",
        };
        var rows = new List<object[]>();
        await using var app = await AppProcess.Start(connection, settings);
        using var integration = app.Client(1, "integration");

        // The whole feed, as a client catching up after a long absence reads it.
        long events = 0;
        var cursor = "0";
        var watch = Stopwatch.StartNew();
        while (true)
        {
            using var response = await integration.GetAsync($"/api/feed?after={cursor}&limit=500");
            await AppProcess.Succeeded(response);
            using var page = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
            var count = page.RootElement.GetProperty("events").GetArrayLength();
            events += count;
            cursor = page.RootElement.GetProperty("next").GetString()!;
            if (count == 0) break;
        }
        var read = watch.Elapsed;
        rows.Add(["feed read, 500 a page", events, read.TotalSeconds, events / read.TotalSeconds, "", "", ""]);

        // Append → receiver.
        var arrived = new ConcurrentDictionary<string, long>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, ReceiverPort));
        await using var receiver = builder.Build();
        receiver.MapPost("/hooks", async (HttpRequest request) =>
        {
            var at = Stopwatch.GetTimestamp();
            using var body = await JsonDocument.ParseAsync(request.Body);
            arrived.TryAdd(body.RootElement.GetProperty("data").GetProperty("streamId").GetString()!, at);
            return Results.Ok();
        });
        await receiver.StartAsync();

        using (var subscribe = await integration.PostAsJsonAsync("/api/webhooks",
                   new { url = $"http://127.0.0.1:{ReceiverPort}/hooks", eventTypes = new[] { "customer_registered" } }))
            await AppProcess.Succeeded(subscribe);
        await Task.Delay(TimeSpan.FromSeconds(2));

        using var sales = app.Client(1, "sales");
        var sent = new Dictionary<string, long>();
        for (var i = 0; i < plan.Deliveries; i++)
        {
            var start = Stopwatch.GetTimestamp();
            using var response = await sales.PostAsJsonAsync("/api/customers", new { name = $"Latency {i}", email = $"latency.{Guid.NewGuid():N}@example.com" });
            await AppProcess.Succeeded(response);
            sent[(await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!] = start;
            await Task.Delay(50);
        }
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (sent.Keys.Any(id => !arrived.ContainsKey(id)) && DateTime.UtcNow < deadline) await Task.Delay(50);
        var latencies = sent.Where(s => arrived.ContainsKey(s.Key))
            .Select(s => Stopwatch.GetElapsedTime(s.Value, arrived[s.Key]).TotalMilliseconds).Order().ToList();
        double Percentile(double p) => latencies.Count == 0 ? double.NaN : latencies[(int)Math.Min(latencies.Count - 1, Math.Ceiling(p * latencies.Count) - 1)];
        rows.Add(["webhook delivery (append → receiver)", latencies.Count, "", "", Percentile(0.5), Percentile(0.99), sent.Count - latencies.Count]);
        await receiver.StopAsync();

        return new Section("feed", $"Event feed and webhooks at {plan.FeedCustomers:N0} customers",
            ["measure", "events", "s", "events/s", "p50 ms", "p99 ms", "missing"], rows,
            "The feed read over HTTP with an integration token from cursor 0 to the end, one client; delivery latency from " +
            "sending POST /api/customers to the webhook's arrival, one registration every 50 ms, production durability. " +
            "The latency is bounded by the daemon's high-water mark polling, not by the delivery itself.");
    }
}
