using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventCrm.Infrastructure.Security;
using Xunit.Abstractions;

namespace EventCrm.Cluster;

/// <summary>
/// Clients register customers through nginx, each command with an Idempotency-Key, retrying with the same key
/// when the answer says the request may not have been handled (502/503/504, a broken connection) or is still in
/// progress (409). One node is killed in the middle. Every command that was acknowledged is stored, none twice;
/// nginx sends new requests to the living nodes.
/// </summary>
[Collection(ClusterCollection.Name)]
public class when_a_node_dies_under_load(ClusterFixture cluster, ITestOutputHelper output)
{
    private sealed record Acknowledged(string Key, string Email, Guid Id);

    [Fact]
    public async Task nginx_fails_over_and_no_acknowledged_command_is_lost_or_doubled()
    {
        await cluster.EnsureAllRunning();
        var run = Guid.NewGuid().ToString("N")[..8];
        var acknowledged = new ConcurrentBag<Acknowledged>();
        var unresolved = new ConcurrentBag<string>();
        var retries = 0;
        using var sales = cluster.Client(cluster.Balancer, Roles.Sales, "cluster-load");
        sales.Timeout = TimeSpan.FromSeconds(10);

        var load = Load.Start(workers: 8, TimeSpan.FromSeconds(30), async (worker, _) =>
        {
            var key = $"{run}-{worker}-{Guid.NewGuid():N}";
            var email = $"{key}@load.example.com";
            for (var attempt = 0; attempt < 20; attempt++)
            {
                HttpStatusCode status;
                string body;
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "/api/customers")
                    {
                        Content = JsonContent.Create(new { name = "Load Customer", email, country = "SE" }),
                    };
                    request.Headers.Add("Idempotency-Key", key);
                    using var response = await sales.SendAsync(request);
                    (status, body) = (response.StatusCode, await response.Content.ReadAsStringAsync());
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    (status, body) = (HttpStatusCode.BadGateway, e.Message);
                }
                if (status == HttpStatusCode.Created)
                {
                    acknowledged.Add(new Acknowledged(key, email, JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid()));
                    return true;
                }
                if (!Load.Unavailable(status) && status != HttpStatusCode.Conflict)
                    throw new InvalidOperationException($"A command was refused: {(int)status} {body}");
                Interlocked.Increment(ref retries);
                await Task.Delay(250);
            }
            unresolved.Add(key); // still claimed by a request the dead node never finished
            return false;
        });

        await Task.Delay(TimeSpan.FromSeconds(3));
        var victim = cluster.Nodes[0];
        var before = acknowledged.Count;
        victim.Kill();
        cluster.Log($"failover: {victim} killed after {before} acknowledged registrations");
        await Task.Delay(TimeSpan.FromSeconds(5));
        var beforeStop = acknowledged.Count;
        await load.Stop();
        cluster.Restart(victim);

        output.WriteLine($"{acknowledged.Count} acknowledged ({before} before the kill, {beforeStop - before} in the 5 s after), " +
            $"{retries} retries, {unresolved.Count} keys left in progress by the dead node");
        cluster.Log($"failover: {acknowledged.Count} acknowledged, {retries} retries, {unresolved.Count} unresolved");
        (beforeStop - before).ShouldBeGreaterThan(0, "nothing was acknowledged after the kill: nginx did not fail over");

        // Every acknowledged registration is stored with the id its client was given, and exactly once.
        var emails = acknowledged.Select(a => a.Email).ToArray();
        var stored = await cluster.Rows("""
            select data ->> 'email', stream_id, count(*) over (partition by data ->> 'email')
            from crm.mt_events where type = 'customer_registered' and data ->> 'email' = any($1)
            """, r => (Email: r.GetString(0), Id: r.GetGuid(1), Count: r.GetInt64(2)), [emails]);
        stored.Count.ShouldBe(acknowledged.Count);
        stored.ShouldAllBe(s => s.Count == 1);
        var byEmail = stored.ToDictionary(s => s.Email, s => s.Id);
        acknowledged.ShouldAllBe(a => byEmail[a.Email] == a.Id);

        // A key the dead node claimed and never answered may stay refused (409) until it expires; such a command
        // ran at most once: it is stored once or not at all.
        unresolved.Count.ShouldBeLessThanOrEqualTo(8);
        foreach (var key in unresolved)
            (await cluster.Scalar<long>("select count(*) from crm.mt_events where type = 'customer_registered' and data ->> 'email' = $1",
                $"{key}@load.example.com")).ShouldBeLessThanOrEqualTo(1);
    }
}
