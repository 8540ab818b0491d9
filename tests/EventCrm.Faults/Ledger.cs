using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace EventCrm.Faults;

/// <summary>What a client was told about one command it sent with an Idempotency-Key.</summary>
public sealed record Sent(string Key, string Kind, Guid Customer, string Path, object Body)
{
    public HttpStatusCode? Status { get; set; }
    /// <summary>How many times it was sent: more than one when an earlier attempt got no answer (or a 503).</summary>
    public int Attempts { get; set; }
    public JsonElement? Answer { get; set; }
    public bool Acknowledged => Status is { } s && (int)s is >= 200 and < 300;
    /// <summary>A 4xx the client caused (other than the 409 of a stale version, which it expects under contention).</summary>
    public bool Definitive => Status is { } s && (int)s is >= 200 and < 500;
}

/// <summary>
/// A load client that records every command it sends: each worker registers customers and records purchases on
/// them, every command with an Idempotency-Key. Outcomes the client could not learn (a dropped connection, a 503)
/// are retried with the same key once the application is back, until the client knows: nothing may stay unknown.
/// </summary>
public sealed class Ledger(HttpClient client)
{
    public ConcurrentQueue<Sent> All { get; } = new();
    public ConcurrentQueue<string> ServerErrors { get; } = new();
    public int ServiceUnavailable;

    public async Task Run(int workers, CancellationToken stop)
    {
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(() => Worker(w, stop))));
    }

    private async Task Worker(int worker, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var email = $"load.{Guid.NewGuid():N}@example.com";
            var register = new Sent(Guid.NewGuid().ToString(), "register", Guid.Empty, "/api/customers", new { name = $"Load {worker}", email });
            All.Enqueue(register);
            if (!await Persist(register, stop) || !register.Acknowledged) continue;
            var customer = register.Answer!.Value.GetProperty("id").GetGuid();
            var version = register.Answer.Value.GetProperty("version").GetInt32();
            for (var i = 0; i < 3 && !stop.IsCancellationRequested; i++)
            {
                var purchase = new Sent(Guid.NewGuid().ToString(), "purchase", customer, $"/api/customers/{customer}/purchases",
                    new { version, amount = 10m + i, currency = "EUR", product = "Tea", category = "Food" });
                All.Enqueue(purchase);
                if (!await Persist(purchase, stop) || !purchase.Acknowledged) break;
                version = purchase.Answer!.Value.GetProperty("version").GetInt32();
            }
        }
    }

    /// <summary>As a careful client does: an unknown outcome is retried with the same key, a little later.</summary>
    private async Task<bool> Persist(Sent sent, CancellationToken stop)
    {
        while (!await Send(sent))
        {
            Interlocked.Increment(ref Retries);
            if (stop.IsCancellationRequested) return false;
            await Task.Delay(100, CancellationToken.None);
        }
        return true;
    }

    public int Retries;

    /// <summary>False when the outcome is unknown (no answer, or 503).</summary>
    public async Task<bool> Send(Sent sent)
    {
        sent.Attempts++;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, sent.Path) { Content = JsonContent.Create(sent.Body) };
            request.Headers.Add("Idempotency-Key", sent.Key);
            using var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                Interlocked.Increment(ref ServiceUnavailable);
                response.Headers.RetryAfter.ShouldNotBeNull("a 503 without Retry-After");
                return false;
            }
            if ((int)response.StatusCode >= 500) ServerErrors.Enqueue($"{(int)response.StatusCode} {sent.Path}: {text}");
            sent.Status = response.StatusCode;
            sent.Answer = text.Length > 0 && text[0] == '{' ? JsonDocument.Parse(text).RootElement.Clone() : null;
            return (int)response.StatusCode < 500;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return false;
        }
    }

    /// <summary>Retries every command whose outcome is unknown, with its key, until each is known; answers how long that took.</summary>
    public async Task<TimeSpan> Settle(TimeSpan within)
    {
        var watch = Stopwatch.StartNew();
        foreach (var sent in All.Where(s => !s.Definitive))
        {
            while (!await Send(sent) || sent.Status == HttpStatusCode.Conflict && sent.Answer?.GetProperty("type").GetString() == "urn:eventcrm:problem:request-in-progress")
            {
                if (watch.Elapsed > within) throw new TimeoutException($"A command with key {sent.Key} stayed unknown for {within}: last {(int?)sent.Status}");
                await Task.Delay(200);
            }
        }
        return watch.Elapsed;
    }

    public IEnumerable<Sent> Acknowledged(string kind) => All.Where(s => s.Kind == kind && s.Acknowledged);
}
