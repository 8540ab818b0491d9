using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace EventCrm.Cluster;

/// <summary>
/// A bounded closed loop: some workers repeat a step until the time is up (or they are told to stop), each step
/// counted as acknowledged or not. Stops by itself; sends only to loopback.
/// </summary>
public sealed class Load
{
    private readonly CancellationTokenSource _stop;
    private readonly Task _running;
    private int _succeeded;
    private int _failed;

    private Load(int workers, TimeSpan limit, Func<int, CancellationToken, Task<bool>> step)
    {
        _stop = new CancellationTokenSource(limit);
        _running = Task.WhenAll(Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                bool succeeded;
                try
                {
                    succeeded = await step(worker, _stop.Token);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
                {
                    succeeded = false;
                }
                Interlocked.Increment(ref succeeded ? ref _succeeded : ref _failed);
            }
        })));
    }

    public static Load Start(int workers, TimeSpan limit, Func<int, CancellationToken, Task<bool>> step) => new(workers, limit, step);

    public int Succeeded => _succeeded;
    public int Failed => _failed;

    public async Task Stop()
    {
        await _stop.CancelAsync();
        await _running;
    }

    /// <summary>Whether nginx or the node answered that the request may not have been handled (to retry).</summary>
    public static bool Unavailable(HttpStatusCode status) =>
        status is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;
}

/// <summary>A sales workflow through the balancer: customer, opportunity, stages, won (which records a purchase).</summary>
public static class SalesWork
{
    public sealed record Created(Guid Id, int Version);

    public static Func<int, CancellationToken, Task<bool>> Deals(HttpClient sales, ConcurrentBag<Guid> opportunities, string run) =>
        async (worker, _) =>
        {
            var customer = await Post(sales, "/api/customers",
                new { name = $"Cluster Buyer {worker}", email = $"{run}-{worker}-{Guid.NewGuid():N}@cluster.example.com", country = "DE" });
            if (customer is null) return false;
            var opened = await Post(sales, "/api/opportunities",
                new { customerId = customer.Id, title = "Cluster deal", amount = 1200m, currency = "EUR",
                      expectedCloseDate = DateTime.UtcNow.AddDays(30).ToString("yyyy-MM-dd") });
            if (opened is null) return false;
            opportunities.Add(opened.Id);
            var version = opened.Version;
            foreach (var stage in new[] { "qualification", "proposal" })
            {
                var moved = await Post(sales, $"/api/opportunities/{opened.Id}/stage", new { version, stage });
                if (moved is null) return false;
                version = moved.Version;
            }
            return await Post(sales, $"/api/opportunities/{opened.Id}/win", new { version }) is not null;
        };

    /// <summary>The id (when the answer has one) and version of a successful command; null when it was not acknowledged.</summary>
    public static async Task<Created?> Post(HttpClient client, string url, object body)
    {
        // Not cancelled by the load's end: a command sent is answered, so that "acknowledged" means what it says.
        using var response = await client.PostAsJsonAsync(url, body, CancellationToken.None);
        if (!response.IsSuccessStatusCode) return null;
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = answer.TryGetProperty("id", out var value) ? value.GetGuid() : Guid.Empty;
        return new Created(id, answer.GetProperty("version").GetInt32());
    }
}
