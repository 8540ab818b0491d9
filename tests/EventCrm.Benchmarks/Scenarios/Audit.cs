using System.Diagnostics;
using System.Security.Claims;
using EventCrm.Audit;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventCrm.Benchmarks.Scenarios;

/// <summary>
/// What the audit costs: the command mix over HTTP with the sealer on and off (the sealer runs in the application,
/// behind the appends); sealing and verifying a store of the plan's size (about a million events in the full run);
/// and the customer profile read with the access log on and off, with the log's own cost on the request's path
/// timed in this process.
/// </summary>
public static class Audit
{
    public static async Task<Section[]> Run(BenchServer server, Plan plan) =>
        [await Appends(server, plan), await Verification(server, plan), await Reads(server, plan)];

    private static async Task<Section> Appends(BenchServer server, Plan plan)
    {
        var rows = new List<object[]>();
        var caughtUp = "";
        var template = await server.Template(plan.CommandsCustomers);
        foreach (var seal in new[] { false, true })
        {
            var connection = await server.Work(template);
            var before = await BenchServer.Count(connection, "select coalesce(max(seq_id), 0) from crm.mt_events");
            await using var app = await AppProcess.Start(connection, new Dictionary<string, string> { ["Audit__Seal"] = seal ? "true" : "false" });
            foreach (var concurrency in plan.AuditConcurrency)
            {
                var result = await ClosedLoop.Repeat(plan, concurrency, Commands.HttpWorker(app, concurrency));
                rows.Add([seal ? "on" : "off", concurrency, result.PerSecond, result.P50, result.P95, result.P99, result.Errors,
                    seal ? await Behind(connection) : "-"]);
            }
            if (!seal) continue;
            // How long the sealer needs to catch up with what the run appended, once the load stops.
            var behind = await Behind(connection);
            var watch = Stopwatch.StartNew();
            while (await Behind(connection) > 0 && watch.Elapsed < TimeSpan.FromMinutes(5)) await Task.Delay(100);
            var appended = await BenchServer.Count(connection, "select coalesce(max(seq_id), 0) from crm.mt_events") - before;
            caughtUp = $" With the sealer on, the runs appended {appended:N0} events; {behind:N0} were still unsealed when the load " +
                       $"stopped, sealed {watch.Elapsed.TotalSeconds:0.0} s later.";
        }
        return new Section("audit", "Audit: HTTP commands with the sealer off and on",
            ["sealer", "clients", "ops/s", "p50 ms", "p95 ms", "p99 ms", "errors", "events unsealed at the end"], rows,
            $"{Commands.Mix}; a fresh copy of the same seeded database for each setting (Audit__Seal). The sealer runs in " +
            "the application's projection daemon, off the commands' path; the last column is how far it trailed when each run ended." + caughtUp);
    }

    private static async Task<Section> Verification(BenchServer server, Plan plan)
    {
        var connection = await server.Work(await server.Template(plan.VerifyCustomers));
        var events = await BenchServer.Count(connection, "select count(*) from crm.mt_events");
        // The template was partly sealed while it was seeded: start the sealed log afresh, to time sealing all of it.
        await using (var owner = new NpgsqlConnection(server.OwnerOf(connection)))
        {
            await owner.OpenAsync();
            await using var reset = new NpgsqlCommand(
                $"truncate {SealedLog.Leaves}, {SealedLog.Nodes}, {SealedLog.State}, {SealedLog.Checkpoints}; " +
                $"delete from crm.mt_event_progression where name like '{EventSealer.SubscriptionName}%'", owner);
            await reset.ExecuteNonQueryAsync();
        }
        var unsealed = await Behind(connection);
        // From before the application starts: its sealer begins as soon as its daemon does.
        var watch = Stopwatch.StartNew();
        await using var app = await InProcessApp.Start(connection, new Dictionary<string, string?>
        {
            ["Audit:Signing:Key"] = AuditKeys.NewPrivateKeyPem(),
        });
        while (await Behind(connection) > 0)
        {
            if (watch.Elapsed > TimeSpan.FromMinutes(30)) throw new TimeoutException("The sealer did not catch up within 30 minutes.");
            await Task.Delay(200);
        }
        var sealing = watch.Elapsed;
        await app.Services.GetRequiredService<Checkpoints>().SealAsync(now: true, CancellationToken.None);

        var verifier = app.Services.GetRequiredService<AuditVerifier>();
        var runs = new List<(double Seconds, VerificationReport Report)>();
        for (var i = 0; i < plan.Repeats; i++)
        {
            watch.Restart();
            var report = await verifier.Verify(null, null, null, CancellationToken.None);
            runs.Add((watch.Elapsed.TotalSeconds, report));
            if (!report.Ok) throw new InvalidOperationException($"The benchmark's store does not verify: {report.FirstMismatch}");
        }
        var median = runs.OrderBy(r => r.Seconds).ElementAt(runs.Count / 2);
        List<object[]> rows =
        [
            ["seal everything (from the application's start)", unsealed, sealing.TotalSeconds, unsealed / Math.Max(sealing.TotalSeconds, 0.001),
                sealing.TotalSeconds * 1_000_000 / Math.Max(unsealed, 1)],
            ["verify every event and checkpoint", median.Report.EventsChecked, median.Seconds, median.Report.EventsChecked / median.Seconds,
                median.Seconds * 1_000_000 / median.Report.EventsChecked],
        ];
        return new Section("audit", $"Audit: sealing and verifying {events:N0} events",
            ["what", "events", "seconds", "events/s", "seconds per million events"], rows,
            $"{plan.VerifyCustomers:N0} demo customers; verification recomputes every leaf from the event table (payloads hashed by " +
            $"PostgreSQL), compares it with the sealed one, and recomputes every checkpoint's root; median of {plan.Repeats}.");
    }

    private static async Task<Section> Reads(BenchServer server, Plan plan)
    {
        // A copy: with the log on, reads append events.
        var connection = await server.Work(await server.Template(plan.QueriesCustomers));
        var ids = await Ids(connection);
        var rows = new List<object[]>();
        foreach (var logged in new[] { false, true })
        {
            await using var app = await AppProcess.Start(connection, new Dictionary<string, string> { ["Audit__AccessLog__Enabled"] = logged ? "true" : "false" });
            foreach (var concurrency in plan.QueryConcurrency)
            {
                using var client = app.Client(concurrency, "sales");
                var result = await ClosedLoop.Repeat(plan, concurrency, worker =>
                {
                    var random = new Random(worker);
                    return async () =>
                    {
                        using var response = await client.GetAsync($"/api/customers/{ids[random.Next(ids.Length)]}");
                        await AppProcess.Succeeded(response);
                    };
                });
                rows.Add([logged ? "on" : "off", concurrency, result.PerSecond, result.P50, result.P95, result.P99, result.Errors]);
            }
        }
        rows.Add(["on the request's path, in process", "-", 1_000_000_000 / PathNanoseconds(), "-", "-", "-", 0]);
        return new Section("audit", $"Audit: the customer profile read with the access log off and on ({ids.Length:N0} customers)",
            ["access log", "clients", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors"], rows,
            $"GET /api/customers/{{id}} over HTTP, closed loop. With the log on every read is queued in memory and written in batches " +
            $"(one event per second or per 500 reads). The last row times AccessLog.Read alone: {PathNanoseconds():0} ns per read.");
    }

    private static double? _pathNanoseconds;

    /// <summary>The cost of recording one read on the request's path (queueing it), with a reader draining the queue.</summary>
    private static double PathNanoseconds()
    {
        if (_pathNanoseconds is { } known) return known;
        var log = new AccessLog(new AuditRules(), TimeProvider.System);
        var http = new DefaultHttpContext { User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "bench")], "bench")) };
        http.Request.Method = "GET";
        http.Request.Path = "/api/customers/0196a2b0-0000-7000-8000-000000000000";
        using var stop = new CancellationTokenSource();
        var drain = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
                try { await log.Take(500, TimeSpan.FromMilliseconds(10), stop.Token); } catch (OperationCanceledException) { }
        });
        const int reads = 500_000;
        var subject = Guid.CreateVersion7();
        for (var i = 0; i < 50_000; i++) log.Read(http, subject, "profile").AsTask().Wait(); // warm-up
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < reads; i++)
        {
            var pending = log.Read(http, subject, "profile");
            if (!pending.IsCompletedSuccessfully) pending.AsTask().Wait();
        }
        var nanoseconds = watch.Elapsed.TotalNanoseconds / reads;
        stop.Cancel();
        drain.Wait();
        return (_pathNanoseconds = nanoseconds).Value;
    }

    /// <summary>Events appended but not yet sealed.</summary>
    private static async Task<long> Behind(string connectionString) => await BenchServer.Count(connectionString,
        $"select coalesce((select max(seq_id) from crm.mt_events), 0) - coalesce((select last_seq from {SealedLog.State} where id = 1), 0)");

    private static async Task<Guid[]> Ids(string connectionString)
    {
        await using var database = NpgsqlDataSource.Create(connectionString);
        await using var command = database.CreateCommand("select id from crm.mt_doc_customerprofile");
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<Guid>();
        while (await reader.ReadAsync()) ids.Add(reader.GetGuid(0));
        return [.. ids];
    }
}
