using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventCrm.Infrastructure.Security;
using Xunit.Abstractions;

namespace EventCrm.Faults;

/// <summary>
/// An operator's worst day against the published application, with load running: each scenario checks from
/// PostgreSQL and the API that nothing acknowledged was lost or applied twice, that no client was left without an
/// answer, that no client's mistake got a 5xx, and records how long recovery took.
/// </summary>
[Collection(FaultCollection.Name)]
public class when_the_worst_happens(FaultFixture faults, ITestOutputHelper output)
{
    private FaultApp App => faults.App;

    private static async Task<TimeSpan> FirstSuccess(Func<Task<bool>> attempt, TimeSpan within)
    {
        var watch = Stopwatch.StartNew();
        while (!await attempt())
        {
            if (watch.Elapsed > within) throw new TimeoutException($"No success within {within}.");
            await Task.Delay(50);
        }
        return watch.Elapsed;
    }

    private async Task<bool> Serves()
    {
        try
        {
            using var client = App.Client("probe", Roles.Sales);
            return (await client.GetAsync("/api/customers?pageSize=1")).StatusCode == HttpStatusCode.OK;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    [Fact]
    public async Task the_application_is_killed_under_load()
    {
        for (var run = 1; run <= FaultFixture.Runs; run++)
        {
            using var client = App.Client("loader", Roles.Sales);
            var ledger = new Ledger(client);
            using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2)); // never outlives a failed scenario
            var load = ledger.Run(workers: 8, stop.Token);
            await Task.Delay(TimeSpan.FromSeconds(3));
            Figures.Step("killing under load");
            await App.Kill();
            Figures.Step("killed");
            var killedAt = Stopwatch.StartNew();
            await Task.Delay(500);
            await App.Start();
            Figures.Step("started again");
            var serving = await FirstSuccess(Serves, TimeSpan.FromSeconds(60));
            var recovery = killedAt.Elapsed;
            await Task.Delay(TimeSpan.FromSeconds(2));
            await stop.CancelAsync();
            await load;
            Figures.Step("load stopped");
            var unknown = ledger.All.Count(s => s.Attempts > 1 || !s.Definitive);
            var settled = await ledger.Settle(TimeSpan.FromSeconds(30));
            Figures.Step("settled");
            var (registrations, purchases) = await Checks.NothingAcknowledgedLostOrDoubled(faults, ledger);
            Figures.Record(output, $"kill -9 under load, run {run}",
                $"{registrations + purchases} commands acknowledged ({registrations} registrations, {purchases} purchases), 0 lost, 0 doubled; " +
                $"{unknown} without an answer at first (in flight at the kill or sent while it was down), every one settled by retrying its key; serving again {recovery.TotalSeconds:F1} s after the kill");
        }
    }

    [Fact]
    public async Task postgresql_stops_for_five_seconds_under_load()
    {
        for (var run = 1; run <= FaultFixture.Runs; run++)
        {
            using var client = App.Client("loader", Roles.Sales);
            var ledger = new Ledger(client);
            using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2)); // never outlives a failed scenario
            var load = ledger.Run(workers: 8, stop.Token);
            var logFrom = App.Log.Count;
            TimeSpan recovery;
            await Task.Delay(TimeSpan.FromSeconds(2));
            try
            {
                Figures.Step("stopping PostgreSQL");
                await Postgres.StopImmediately();
                Figures.Step("PostgreSQL stopped");
                await Task.Delay(TimeSpan.FromSeconds(5));
            }
            finally
            {
                await Postgres.EnsureRunning();
            }
            Figures.Step("PostgreSQL started");
            var back = Stopwatch.StartNew();
            await FirstSuccess(Serves, TimeSpan.FromSeconds(30));
            recovery = back.Elapsed;
            await Task.Delay(TimeSpan.FromSeconds(2));
            await stop.CancelAsync();
            await load;
            var settled = await ledger.Settle(TimeSpan.FromSeconds(30));
            var (registrations, purchases) = await Checks.NothingAcknowledgedLostOrDoubled(faults, ledger);

            var requestErrors = App.Log.Skip(logFrom).Where(l => l.Contains("\"@l\":\"Error\"") && l.Contains("RequestPath")).ToList();
            requestErrors.ShouldBeEmpty("a request logged an error while the database was away");
            ledger.ServiceUnavailable.ShouldBeGreaterThan(0, "no request met the outage: the scenario tested nothing");
            Figures.Record(output, $"PostgreSQL immediate stop for 5 s under load, run {run}",
                $"{registrations + purchases} commands acknowledged, 0 lost, 0 doubled; {ledger.ServiceUnavailable} answers 503 with Retry-After, 0 other 5xx; " +
                $"{ledger.All.Count(s => s.Attempts > 1)} commands answered only on a retry with their key; serving {recovery.TotalSeconds:F2} s after PostgreSQL was back");
        }
    }

    [Fact]
    public async Task a_hundred_writers_send_the_same_version_and_fifty_requests_share_one_key()
    {
        for (var run = 1; run <= FaultFixture.Runs; run++)
        {
            using var client = App.Client("racer", Roles.Sales);
            var registered = await client.PostAsJsonAsync("/api/customers", new { name = "Contended", email = $"race.{Guid.NewGuid():N}@example.com" });
            registered.StatusCode.ShouldBe(HttpStatusCode.Created);
            var id = (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

            var writers = await Task.WhenAll(Enumerable.Range(0, 100).Select(i =>
                client.PostAsJsonAsync($"/api/customers/{id}/purchases", new { version = 1, amount = 1m + i, currency = "EUR", product = "Race", category = "Food" })));
            var winners = writers.Count(r => r.IsSuccessStatusCode);
            var conflicts = writers.Count(r => r.StatusCode == HttpStatusCode.Conflict);
            winners.ShouldBe(1);
            conflicts.ShouldBe(99);

            var key = Guid.NewGuid().ToString();
            var body = new { version = 2, amount = 5m, currency = "EUR", product = "Once", category = "Food" };
            var repeats = await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/customers/{id}/purchases") { Content = JsonContent.Create(body) };
                request.Headers.Add("Idempotency-Key", key);
                var response = await client.SendAsync(request);
                return (response.StatusCode, Text: await response.Content.ReadAsStringAsync());
            }));
            repeats.ShouldAllBe(r => r.StatusCode == HttpStatusCode.OK || r.StatusCode == HttpStatusCode.Created);
            repeats.Select(r => r.Text).Distinct().ShouldHaveSingleItem();
            (await faults.Scalar<long>("select count(*) from crm.mt_events where stream_id = $1 and type = 'purchase_recorded' and data ->> 'product' = 'Once'", id))
                .ShouldBe(1);
            Figures.Record(output, $"contention, run {run}",
                $"100 writers on version 1: {winners} accepted, {conflicts} × 409; 50 requests with one Idempotency-Key: 1 purchase, 50 identical answers");
        }
    }

    [Fact]
    public async Task the_application_is_killed_right_after_an_erasure()
    {
        for (var run = 1; run <= FaultFixture.Runs; run++)
        {
            using var sales = App.Client("sam", Roles.Sales);
            using var admin = App.Client("root", Roles.Admin);
            var email = $"erase.{Guid.NewGuid():N}@example.com";
            var registered = await sales.PostAsJsonAsync("/api/customers", new { name = "Erased Person", email, phone = "+4930123456" });
            var id = (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

            var erased = await admin.PostAsJsonAsync($"/api/customers/{id}/erasure", new { version = 1, reason = "fault suite" });
            erased.IsSuccessStatusCode.ShouldBeTrue(await erased.Content.ReadAsStringAsync());
            await App.Kill();
            var killed = Stopwatch.StartNew();
            await App.Start();
            var masked = await FirstSuccess(async () =>
                await faults.Scalar<long>("select count(*) from crm.mt_events where stream_id = $1 and data::text like $2", id, $"%{email}%") == 0,
                TimeSpan.FromSeconds(60));
            (await faults.Scalar<long>("select count(*) from crm.customer_email_claims where email = $1", email)).ShouldBe(0);
            Figures.Record(output, $"kill -9 right after an acknowledged erasure, run {run}",
                $"the stream's personal data masked once, {killed.Elapsed.TotalSeconds:F1} s after the kill ({masked.TotalSeconds:F1} s after the restart's first second)");
        }
    }

    [Fact]
    public async Task a_rebuild_of_every_projection_runs_under_load_and_is_killed_half_way()
    {
        for (var run = 1; run <= FaultFixture.Runs; run++)
        {
            using var client = App.Client("loader", Roles.Sales);
            using var admin = App.Client("root", Roles.Admin);
            var ledger = new Ledger(client);
            using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2)); // never outlives a failed scenario
            var load = ledger.Run(workers: 8, stop.Token);
            await Task.Delay(TimeSpan.FromSeconds(2));

            // Readers: every acknowledged customer's profile, over and over, must always be there and whole.
            var missing = new System.Collections.Concurrent.ConcurrentBag<string>();
            var reads = 0;
            var readers = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    foreach (var sent in ledger.Acknowledged("register").Take(200).ToList())
                    {
                        var id = sent.Answer!.Value.GetProperty("id").GetGuid();
                        try
                        {
                            var response = await client.GetAsync($"/api/customers/{id}");
                            Interlocked.Increment(ref reads);
                            if (response.StatusCode == HttpStatusCode.OK)
                            {
                                var profile = await response.Content.ReadFromJsonAsync<JsonElement>();
                                if (profile.GetProperty("email").ValueKind != JsonValueKind.String) missing.Add($"{id} partial");
                            }
                            else if ((int)response.StatusCode < 500) missing.Add($"{id} {(int)response.StatusCode}");
                        }
                        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                        {
                            // the process is being killed
                        }
                    }
                }
            });

            var accepted = await admin.PostAsJsonAsync("/api/admin/projections/rebuild", new { });
            Figures.Step($"rebuild requested: {(int)accepted.StatusCode}");
            accepted.StatusCode.ShouldBe(HttpStatusCode.Accepted);
            var jobId = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobId").GetString();
            await FirstSuccess(async () => await faults.Scalar<string>("select coalesce((select statename from hangfire.job where id = $1::bigint), '')", jobId!) == "Processing",
                TimeSpan.FromSeconds(20));
            await App.Kill();
            var killed = Stopwatch.StartNew();
            await App.Start();
            Figures.Step("rebuild killed, application started again");
            var finished = await FirstSuccess(async () =>
                await faults.Scalar<string>("select coalesce((select statename from hangfire.job where id = $1::bigint), '')", jobId!) == "Succeeded",
                TimeSpan.FromSeconds(90));
            var resumed = killed.Elapsed;
            await stop.CancelAsync();
            await load;
            await readers;
            await ledger.Settle(TimeSpan.FromSeconds(30));
            var (registrations, purchases) = await Checks.NothingAcknowledgedLostOrDoubled(faults, ledger);
            missing.ShouldBeEmpty();
            (await faults.Scalar<long>("select count(*) from crm.mt_doc_customerprofile"))
                .ShouldBe(await faults.Scalar<long>("select count(distinct stream_id) from crm.mt_events where type = 'customer_registered'"));
            Figures.Record(output, $"rebuild of every projection under load, killed half way, run {run}",
                $"{reads} profile reads during it, 0 missing or partial; {registrations + purchases} commands acknowledged meanwhile, 0 lost; " +
                $"the job ran again and finished {resumed.TotalSeconds:F1} s after the kill");
        }
    }

    [Fact]
    public async Task demo_data_is_seeded_while_the_application_runs()
    {
        var before = await faults.Scalar<long>("select count(*) from crm.mt_events");
        var (exit, text) = await App.RunVerb("seed", "--customers", "20");
        exit.ShouldNotBe(0);
        text.ShouldContain("stop every node before seeding");
        (await faults.Scalar<long>("select count(*) from crm.mt_events")).ShouldBe(before);
        (await Serves()).ShouldBeTrue();
        Figures.Record(output, "seeding while the application runs", "refused with a message naming the running application; 0 events added");
    }
}
