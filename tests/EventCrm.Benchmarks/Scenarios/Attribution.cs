using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using EventCrm.Marketing;
using JasperFx.Events;
using Marten;
using Npgsql;

namespace EventCrm.Benchmarks.Scenarios;

/// <summary>
/// Attribution at size: the seeded customers (with their purchases) and twenty ads campaigns made over HTTP, then ten
/// reported touches per customer (five campaigns each, two touches each, at random moments of the last year, with a
/// cost) appended with Marten's bulk insert; the touch facts projected by the application's daemon; then the
/// attribution questions over HTTP, one at a time, and the BI view's sum per campaign and model over SQL.
/// </summary>
public static class Attribution
{
    public const int Campaigns = 20;
    public const int CampaignsPerCustomer = 5;
    public const int TouchesPerCampaign = 2;
    private const int Runs = 5;

    public static async Task<Section> Run(BenchServer server, Plan plan)
    {
        var customers = plan.MarketingCustomers;
        var connection = await server.Work(await server.Template(customers));
        var campaigns = new List<Guid>();
        await using (var app = await AppProcess.Start(connection, AppProcess.Unsealed))
        {
            using var client = app.Client(4, "marketing");
            for (var i = 0; i < Campaigns; i++)
            {
                using var created = await client.PostAsJsonAsync("/api/marketing/campaigns", new { name = $"Ads {i + 1:00}", channel = "ads" });
                await AppProcess.Succeeded(created);
                campaigns.Add((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
            }
        }

        var ids = new List<Guid>();
        await using (var database = NpgsqlDataSource.Create(connection))
        await using (var command = database.CreateCommand("select id from crm.mt_doc_customerprofile order by id"))
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) ids.Add(reader.GetGuid(0));

        long touches = 0;
        var append = Stopwatch.StartNew();
        await using (var app = await InProcessApp.Start(connection, new Dictionary<string, string?> { ["Audit:Seal"] = "false" }))
        {
            var events = ((DocumentStore)app.Store).Events;
            var random = new Random(Plan.Seed);
            var today = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero);
            var kinds = new[] { TouchKind.Click, TouchKind.Visit, TouchKind.Impression, TouchKind.Reply };
            var actions = new List<StreamAction>();
            foreach (var customer in ids)
            {
                foreach (var campaign in campaigns.OrderBy(_ => random.Next()).Take(CampaignsPerCustomer))
                {
                    var times = Enumerable.Range(0, TouchesPerCampaign).Select(_ => today.AddMinutes(-random.Next(365 * 24 * 60))).Order().ToList();
                    var stream = new List<object> { new CampaignRecipientAdded(campaign, customer, null, null, null, times[0]) };
                    stream.AddRange(times.Select(at => new TouchRecorded(kinds[random.Next(kinds.Length)], at, 0.40m, "EUR", "bench")));
                    touches += times.Count;
                    actions.Add(StreamAction.Start(events, CampaignRecipient.StreamId(campaign, customer), [.. stream]));
                }
                if (actions.Count >= 20_000)
                {
                    await app.Store.BulkInsertEventsAsync(actions, batchSize: 20_000);
                    actions.Clear();
                }
            }
            if (actions.Count > 0) await app.Store.BulkInsertEventsAsync(actions, batchSize: 20_000);
        }
        append.Stop();

        var rows = new List<object[]>();
        await using (var app = await AppProcess.Start(connection, AppProcess.Unsealed))
        {
            // The daemon projects what the appending process's daemon had not yet: the rate counts those rows, from the launch to the last.
            var projected = Stopwatch.StartNew();
            var before = await BenchServer.Count(connection, "select count(*) from analytics.campaign_touches");
            var deadline = DateTime.UtcNow.AddHours(1);
            while (await BenchServer.Count(connection, "select count(*) from analytics.campaign_touches") < touches)
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException("The touch facts did not catch up within an hour.");
                await Task.Delay(500);
            }
            projected.Stop();
            // Then every other projection too (the audience keeper, ...), so that the questions run on a quiet store; not the
            // sealer, which is off here: a template a sealing run once opened holds the sealer's progress, and it never moves.
            var last = await BenchServer.Count(connection, "select max(seq_id) from crm.mt_events");
            while (await BenchServer.Count(connection, "select coalesce(min(last_seq_id), 0) from crm.mt_event_progression where name not like 'HighWater%' and name not like 'EventSealer%'") < last)
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException("The projections did not catch up within an hour.");
                await Task.Delay(500);
            }
            rows.Add([$"touch facts projected after a launch ({touches - before:N0} left to project)", touches, "",
                Math.Round((touches - before) / projected.Elapsed.TotalSeconds), "", Math.Round(projected.Elapsed.TotalMilliseconds)]);

            using var client = app.Client(1, "analyst");
            var now = Uri.EscapeDataString(DateTimeOffset.UtcNow.ToString("O"));
            // Each question's last answer is kept beside the results, so that two runs (before and after a change) can be compared.
            var answers = Path.Combine("artifacts", "bench", "attribution");
            Directory.CreateDirectory(answers);
            foreach (var (name, query, file) in new[]
            {
                ("linear, the last twelve months", "model=linear", "linear"),
                ("all six models (compare=true)", "compare=true", "compare"),
                ("linear, as of now (record-time cut)", $"model=linear&asOf={now}", "as-of-now"),
            })
            {
                var times = new List<double>();
                JsonElement answer = default;
                var body = "";
                var timing = "";
                for (var run = 0; run < Runs + 1; run++)
                {
                    var watch = Stopwatch.StartNew();
                    using var response = await client.GetAsync($"/api/analytics/attribution?{query}");
                    await AppProcess.Succeeded(response);
                    body = await response.Content.ReadAsStringAsync();
                    answer = JsonDocument.Parse(body).RootElement;
                    timing = response.Headers.TryGetValues("Server-Timing", out var values) ? string.Join(", ", values) : "";
                    if (run > 0) times.Add(watch.Elapsed.TotalMilliseconds); // the first warms the plan caches
                }
                await File.WriteAllTextAsync(Path.Combine(answers, $"{file}.json"), body);
                times.Sort();
                rows.Add([name, touches, answer.GetProperty("conversions").GetInt64(), "", Math.Round(times[times.Count / 2]), Math.Round(times[^1])]);
                Console.WriteLine($"{name}: Server-Timing {timing}");
            }

            var bi = new List<double>();
            long credited = 0;
            await using var database = NpgsqlDataSource.Create(connection);
            for (var run = 0; run < 4; run++)
            {
                var watch = Stopwatch.StartNew();
                await using var command = database.CreateCommand(
                    "select model, campaign_id, sum(credit), sum(revenue) from analytics.attribution_facts " +
                    "where converted_at >= now() - interval '365 days' group by 1, 2");
                await using var reader = await command.ExecuteReaderAsync();
                credited = 0;
                while (await reader.ReadAsync()) credited++;
                if (run > 0) bi.Add(watch.Elapsed.TotalMilliseconds); // after a warm-up, as above
            }
            bi.Sort();
            rows.Add(["BI: analytics.attribution_facts summed per campaign and model (SQL)", touches, credited + " rows", "", Math.Round(bi[1]), Math.Round(bi[^1])]);
        }

        return new Section("attribution", $"Attribution: {customers:N0} customers, {touches:N0} touches, {Campaigns} campaigns",
            ["question", "touches", "conversions", "rows/s", "median ms", "max ms"], rows,
            $"Touches appended with Marten's bulk insert in {append.Elapsed.TotalSeconds:0} s (not timed here). HTTP GET " +
            $"/api/analytics/attribution with an analyst token, one client, {Runs} runs after a warm-up, median and slowest; " +
            "the default look-back (30 days) and touch kinds. The BI row: the view computing every model's credit in SQL.");
    }
}
