using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventCrm.Infrastructure.Security;
using Xunit.Abstractions;

namespace EventCrm.Cluster;

/// <summary>
/// What is promised per request holds per cluster: an idempotency key, a web form's rate limit. (These kill no
/// node: they take the nodes that are ready, at least two, while a node killed before may still be restarting.)
/// </summary>
[Collection(ClusterCollection.Name)]
public class when_commands_reach_different_nodes(ClusterFixture cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task the_same_idempotency_key_sent_to_two_nodes_at_once_has_one_effect_and_a_retry_on_another_replays_it()
    {
        var nodes = await cluster.AtLeast(2);
        var email = $"once-{Guid.NewGuid():N}@cluster.example.com";
        var key = Guid.NewGuid().ToString("N");

        async Task<(HttpStatusCode Status, string Body)> Register(Node node)
        {
            using var client = cluster.Client(node.Address, Roles.Sales, "cluster-once");
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/customers")
            {
                Content = JsonContent.Create(new { name = "Only Once", email, country = "AT" }),
            };
            request.Headers.Add("Idempotency-Key", key);
            using var response = await client.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        var together = await Task.WhenAll(Register(nodes[0]), Register(nodes[1]));
        var replay = await Register(nodes[^1]);
        output.WriteLine(string.Join("\n", together.Append(replay).Select(a => $"{(int)a.Status} {a.Body}")));

        // One of the two ran the command; the other was told it is in progress or was given the same answer.
        together.Count(a => a.Status == HttpStatusCode.Created).ShouldBeGreaterThanOrEqualTo(1);
        together.ShouldAllBe(a => a.Status == HttpStatusCode.Created || a.Status == HttpStatusCode.Conflict);
        var created = together.Where(a => a.Status == HttpStatusCode.Created).Select(a => Id(a.Body)).Distinct().ToList();
        created.Count.ShouldBe(1);
        replay.Status.ShouldBe(HttpStatusCode.Created);
        Id(replay.Body).ShouldBe(created[0]);

        (await cluster.Scalar<long>("select count(*) from crm.mt_events where type = 'customer_registered' and data ->> 'email' = $1", email)).ShouldBe(1);
    }

    [Fact]
    public async Task a_web_form_limit_counts_the_requests_to_every_node()
    {
        var nodes = await cluster.AtLeast(2);
        using var admin = cluster.Client(cluster.Balancer, Roles.Admin, "cluster-admin");
        using var created = await admin.PostAsJsonAsync("/api/admin/forms", new { name = "Cluster page" });
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var form = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString();

        // Round the nodes directly, twice the allowance: a per-node limit would let all of them through.
        var answers = new List<(int Node, HttpStatusCode Status, string? RetryAfter, string Body)>();
        for (var i = 0; i < 2 * ClusterFixture.WebFormLeadsPerMinute; i++)
        {
            var node = nodes[i % nodes.Count];
            using var anonymous = new HttpClient { BaseAddress = node.Address };
            using var response = await anonymous.PostAsJsonAsync($"/api/forms/{form}/leads",
                new { name = $"Visitor {i}", email = $"visitor{i}-{Guid.NewGuid():N}@cluster.example.com" });
            answers.Add((node.Number, response.StatusCode, response.Headers.RetryAfter?.ToString(), await response.Content.ReadAsStringAsync()));
        }
        output.WriteLine(string.Join("\n", answers.Select(a => $"node {a.Node}: {(int)a.Status} {a.RetryAfter}")));

        answers.Take(ClusterFixture.WebFormLeadsPerMinute).ShouldAllBe(a => a.Status == HttpStatusCode.Accepted);
        var refused = answers.Skip(ClusterFixture.WebFormLeadsPerMinute).ToList();
        refused.ShouldAllBe(a => a.Status == HttpStatusCode.TooManyRequests);
        refused.Select(a => a.Node).Distinct().Count().ShouldBe(nodes.Count);
        refused.ShouldAllBe(a => int.Parse(a.RetryAfter!) >= 1 && int.Parse(a.RetryAfter!) <= 60);
        var problem = JsonDocument.Parse(refused[0].Body).RootElement;
        problem.GetProperty("type").GetString().ShouldBe("urn:eventcrm:problem:too-many-requests");
        problem.GetProperty("status").GetInt32().ShouldBe(429);
        (await cluster.Scalar<long>("select count(*) from crm.mt_events where type = 'lead_captured' and data ->> 'formKey' = $1", form!))
            .ShouldBe(ClusterFixture.WebFormLeadsPerMinute);
    }

    private static Guid Id(string body) => JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
}
