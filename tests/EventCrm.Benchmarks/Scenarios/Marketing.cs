using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using EventCrm.MailSink;

namespace EventCrm.Benchmarks.Scenarios;

/// <summary>
/// Marketing at size, on a fresh copy of the seeded customers: the audience keeper filling a dynamic audience (the
/// customers who granted the newsletter, about 60 % of the demo customers) from the whole event log; that audience's
/// count and a page of its members under load; and one e-mail campaign to all of it, through the application's
/// sender, into an SMTP sink in this process (a real SMTP server on loopback), with the pace set out of the way so
/// that the figure is what the sender itself manages.
/// </summary>
public static class Marketing
{
    public static async Task<Section[]> Run(BenchServer server, Plan plan)
    {
        var customers = plan.MarketingCustomers;
        var connection = await server.Work(await server.Template(customers));
        await using var sink = await SmtpSink.Start(limit: customers + 10);
        var settings = new Dictionary<string, string>
        {
            ["Marketing__Sending__SmtpHost"] = "127.0.0.1",
            ["Marketing__Sending__SmtpPort"] = sink.Port.ToString(),
            ["Marketing__Sending__Tls"] = "none",
            ["Marketing__Sending__MessagesPerMinute"] = "10000000",
            ["Marketing__Sending__Burst"] = "10000",
            // The template was seeded by the seed verb and never sealed: the sealer catching up on millions of events
            // beside the measurement would measure the sealer (its own figures are the audit scenario's).
            ["Audit__Seal"] = "false",
        };
        var reads = new List<object[]>();
        var sending = new List<object[]>();
        await using (var app = await AppProcess.Start(connection, settings))
        {
            using var client = app.Client(Math.Max(8, plan.QueryConcurrency.Max()), "marketing");
            var keeper = Stopwatch.StartNew();
            var audience = await Id(await client.PostAsJsonAsync("/api/marketing/audiences", new
            {
                name = "Newsletter",
                filter = new { field = "consent", op = "granted", value = "newsletter" },
            }));
            await CaughtUp(connection, TimeSpan.FromMinutes(30));
            keeper.Stop();
            var members = (await Json(await client.GetAsync($"/api/marketing/audiences/{audience}"))).GetProperty("members").GetInt64();
            var events = await BenchServer.Count(connection, "select count(*) from crm.mt_events");
            reads.Add(["keeper fills the audience from the first event", 1, members, Math.Round(events / keeper.Elapsed.TotalSeconds), "", "",
                Math.Round(keeper.Elapsed.TotalMilliseconds), 0]);

            foreach (var concurrency in plan.QueryConcurrency)
            {
                var count = await ClosedLoop.Repeat(plan, concurrency, _ => async () =>
                {
                    using var response = await client.GetAsync($"/api/marketing/audiences/{audience}");
                    await AppProcess.Succeeded(response);
                });
                var page = await ClosedLoop.Repeat(plan, concurrency, worker =>
                {
                    var random = new Random(worker);
                    return async () =>
                    {
                        using var response = await client.GetAsync($"/api/marketing/audiences/{audience}/members?page={1 + random.Next(20)}&pageSize=25");
                        await AppProcess.Succeeded(response);
                    };
                });
                reads.Add(["count (GET audience)", concurrency, members, count.PerSecond, count.P50, count.P95, count.P99, count.Errors]);
                reads.Add(["page of 25 members", concurrency, members, page.PerSecond, page.P50, page.P95, page.P99, page.Errors]);
            }

            // One campaign, no holdout, from the schedule to its completion: to the whole audience, or to a static list of
            // its first members when it is larger than the plan sends to (60,000 messages would take an hour here).
            var recipients = members <= plan.MarketingRecipients ? audience : await FirstMembers(client, connection, audience, plan.MarketingRecipients);
            var campaign = await Id(await client.PostAsJsonAsync("/api/marketing/campaigns", new { name = "Bench news", channel = "email" }));
            var version = await Version(await client.PostAsJsonAsync($"/api/marketing/campaigns/{campaign}/audience",
                new { version = 1, audienceId = recipients, holdoutShare = 0 }));
            version = await Version(await client.PostAsJsonAsync($"/api/marketing/campaigns/{campaign}/variants", new
            {
                version,
                subject = "News for {{ customer.first_name }}",
                html = "<p>Hello {{ customer.name }},</p><p><a href=\"https://shop.example/news\">Read on</a></p>",
            }));
            version = await Version(await client.PostAsJsonAsync($"/api/marketing/campaigns/{campaign}/test-send", new { version, to = "bench@example.com" }));
            sink.Clear();
            var send = Stopwatch.StartNew();
            await AppProcess.Succeeded(await client.PostAsJsonAsync($"/api/marketing/campaigns/{campaign}/schedule", new { version }));
            JsonElement report;
            var deadline = DateTime.UtcNow.AddHours(1);
            while (true)
            {
                report = await Json(await client.GetAsync($"/api/marketing/campaigns/{campaign}/report"));
                if (report.GetProperty("status").GetString() == "completed") break;
                if (DateTime.UtcNow > deadline) throw new TimeoutException("The campaign did not complete within an hour.");
                await Task.Delay(250);
            }
            send.Stop();
            var sent = Figure(report, "sent");
            if (sink.Messages.Count != sent)
                throw new InvalidOperationException($"The report says {sent} sent, the sink received {sink.Messages.Count}.");
            var skipped = report.TryGetProperty("skippedBy", out var reasons) && reasons.ValueKind == JsonValueKind.Object
                ? reasons.EnumerateObject().Sum(p => p.Value.GetInt64()) : 0;
            sending.Add([Figure(report, "expected"), sent, skipped,
                Math.Round(send.Elapsed.TotalSeconds, 1), Math.Round(sent / send.Elapsed.TotalSeconds, 1)]);
        }
        return
        [
            new Section("marketing", $"Marketing: a dynamic audience at {customers:N0} customers",
                ["read", "clients", "members", "req/s (keeper: events/s)", "p50 ms", "p95 ms", "p99 ms (keeper: total ms)", "errors"], reads,
                "The keeper's row: defining the audience until the keeper has read the whole log. Then GET over HTTP with a marketing " +
                "token, closed loop: the count is an index read of the open memberships, the page a sorted, counted page of them."),
            new Section("marketing", $"Marketing: one e-mail campaign to that audience (at most {plan.MarketingRecipients:N0} of it), into an SMTP sink",
                ["expected", "sent", "skipped", "seconds", "messages/s"], sending,
                $"From the schedule to completed: freezing, batches of 200, each recipient decided (consent, suppression, cap, quiet hours), " +
                "claimed, rendered, handed over on one SMTP connection per batch and recorded; the pace (Sending:MessagesPerMinute, 600 by " +
                "default) set out of the way. Every message is counted in the sink."),
        ];
    }

    /// <summary>A static list of the audience's first members by id, made through the API.</summary>
    private static async Task<Guid> FirstMembers(HttpClient client, string connection, Guid audience, int count)
    {
        var list = await Id(await client.PostAsJsonAsync("/api/marketing/audiences", new { name = $"First {count} newsletter members", kind = "static" }));
        await using var database = new Npgsql.NpgsqlConnection(connection);
        await database.OpenAsync();
        await using var select = new Npgsql.NpgsqlCommand(
            $"select customer_id from {EventCrm.Marketing.AudienceMembership.Members} where audience_id = $1 and left_at is null order by customer_id limit $2", database)
        {
            Parameters = { new() { Value = audience }, new() { Value = count } },
        };
        var ids = new List<Guid>();
        await using (var reader = await select.ExecuteReaderAsync())
            while (await reader.ReadAsync()) ids.Add(reader.GetGuid(0));
        var version = 1;
        foreach (var chunk in ids.Chunk(10_000)) // the most one edit takes
            version = await Version(await client.PostAsJsonAsync($"/api/marketing/audiences/{list}/members", new { version, add = chunk }));
        return list;
    }

    /// <summary>Waits until the audience keeper has read every event there was when the audience was defined.</summary>
    private static async Task CaughtUp(string connection, TimeSpan timeout)
    {
        var target = await BenchServer.Count(connection, "select coalesce(max(seq_id), 0) from crm.mt_events");
        var deadline = DateTime.UtcNow + timeout;
        while (await BenchServer.Count(connection,
                   "select coalesce(max(last_seq_id), 0) from crm.mt_event_progression where name like 'AudienceMembershipKeeper%'") < target)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The audience keeper did not catch up in time.");
            await Task.Delay(200);
        }
    }

    private static long Figure(JsonElement report, string name) =>
        report.TryGetProperty(name, out var value) ? value.GetInt64() : throw new InvalidOperationException($"The report has no '{name}': {report}");

    private static async Task<JsonElement> Json(HttpResponseMessage response)
    {
        await AppProcess.Succeeded(response);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<Guid> Id(HttpResponseMessage response) => (await Json(response)).GetProperty("id").GetGuid();

    private static async Task<int> Version(HttpResponseMessage response) => (await Json(response)).GetProperty("version").GetInt32();
}
