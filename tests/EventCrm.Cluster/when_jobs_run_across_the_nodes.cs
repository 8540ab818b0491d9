using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EventCrm.Infrastructure.Security;
using Xunit.Abstractions;

namespace EventCrm.Cluster;

/// <summary>
/// Hangfire servers on every node share one queue. A recurring job (every 3 s here) is run once per occurrence by
/// the cluster, not once per node; and an import job whose node is killed in the middle is taken up by another node
/// and finishes with every row applied once.
/// </summary>
[Collection(ClusterCollection.Name)]
public class when_jobs_run_across_the_nodes(ClusterFixture cluster, ITestOutputHelper output)
{
    private sealed record Run(long Job, DateTime CreatedAt, long Processings, long Successes, string? Server);

    [Fact]
    public async Task a_recurring_job_runs_once_per_schedule_on_whichever_node_takes_it()
    {
        await cluster.AtLeast(2);
        var since = await cluster.Scalar<DateTime>("select now() at time zone 'utc'");
        await Task.Delay(TimeSpan.FromSeconds(13));

        var runs = await cluster.Rows("""
            select j.id, j.createdat,
                   (select count(*) from hangfire.state s where s.jobid = j.id and s.name = 'Processing'),
                   (select count(*) from hangfire.state s where s.jobid = j.id and s.name = 'Succeeded'),
                   (select s.data::jsonb ->> 'ServerId' from hangfire.state s where s.jobid = j.id and s.name = 'Processing' order by s.id limit 1)
            from hangfire.job j join hangfire.jobparameter p on p.jobid = j.id and p.name = 'RecurringJobId'
            where p.value = $1 and j.createdat >= $2 and j.createdat < $2 + interval '12 seconds'
            order by j.createdat
            """, r => new Run(r.GetInt64(0), r.GetDateTime(1), r.GetInt64(2), r.GetInt64(3), r.IsDBNull(4) ? null : r.GetString(4)),
            JsonSerializer.Serialize(ClusterFixture.RecurringJob), since);
        var locks = await cluster.Rows("select resource || ' since ' || acquired::text from hangfire.lock", r => r.GetString(0));
        var described = $"locks: {string.Join(", ", locks)}\n" + string.Join("\n", runs.Select(r => $"{r.Job} created {r.CreatedAt:HH:mm:ss.fff} on {r.Server}: {r.Processings} runs, {r.Successes} successes"));
        output.WriteLine(described);

        // 12 s of a 3-second schedule: four occurrences (one more or less at the edges of the window), each its own job.
        runs.Count.ShouldBeInRange(3, 5, described);
        var every = ClusterFixture.RecurringEvery.TotalSeconds;
        runs.GroupBy(r => Math.Floor((r.CreatedAt - DateTime.UnixEpoch).TotalSeconds / every)).ShouldAllBe(occurrence => occurrence.Count() == 1, described);
        // ... and each job ran once, on one of the nodes.
        runs.ShouldAllBe(r => r.Processings == 1 && r.Successes == 1, described);
        var pids = cluster.Nodes.Where(n => n.Running).Select(n => $":{n.ProcessId}:").ToList();
        runs.ShouldAllBe(r => r.Server != null && pids.Any(pid => r.Server.Contains(pid)), described);
    }

    [Fact]
    public async Task an_import_on_a_killed_node_is_finished_by_another_without_applying_a_row_twice()
    {
        await cluster.EnsureAllRunning();
        const int rows = 12_000;
        var domain = $"{Guid.NewGuid():N}"[..10] + ".import.example.org";
        var file = new StringBuilder("name,email,country\n");
        for (var i = 0; i < rows; i++) file.Append($"Imported Person{i},person{i}@{domain},DE\n");

        using var sales = cluster.Client(cluster.Balancer, Roles.Sales, "cluster-importer");
        using var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(Encoding.UTF8.GetBytes(file.ToString()));
        part.Headers.ContentType = MediaTypeHeaderValue.Parse("text/csv");
        form.Add(part, "file", "customers.csv");
        using var accepted = await sales.PostAsync("/api/imports/customers", form);
        accepted.StatusCode.ShouldBe(HttpStatusCode.Accepted, await accepted.Content.ReadAsStringAsync());
        var batch = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        // The node whose job server runs the import, once it has committed some rows but not all.
        Node? runner = null;
        long job = 0;
        await ClusterFixture.Eventually(async () =>
        {
            var progress = await cluster.Scalar<int>("select coalesce((data ->> 'lastRow')::int, 0) from crm.mt_doc_importbatch where id = $1", batch);
            if (progress >= rows) throw new InvalidOperationException("The import finished before a node could be killed under it.");
            var processing = (await cluster.Rows("""
                select j.id, st.data::jsonb ->> 'ServerId' from hangfire.job j join hangfire.state st on st.id = j.stateid
                where j.statename = 'Processing' and j.arguments::text like $1
                """, r => (r.GetInt64(0), r.GetString(1)), $"%{batch}%")).ToList();
            if (processing.Count != 1) return false;
            (job, var server) = processing[0];
            runner = cluster.Nodes.Where(n => n.Running).SingleOrDefault(n => server.Contains($":{n.ProcessId}:"));
            return runner is not null && progress > 0;
        }, TimeSpan.FromSeconds(60), "the import to be under way on a node", every: TimeSpan.FromMilliseconds(50));
        var before = await cluster.Scalar<int>("select (data ->> 'lastRow')::int from crm.mt_doc_importbatch where id = $1", batch);
        var pid = runner!.ProcessId;
        runner.Kill();
        cluster.Log($"import {batch}: {runner} killed after row {before}");
        var killed = System.Diagnostics.Stopwatch.StartNew();

        await ClusterFixture.Eventually(async () =>
            await cluster.Scalar<string>("select data ->> 'status' from crm.mt_doc_importbatch where id = $1", batch) == "Completed",
            TimeSpan.FromSeconds(90), "another node to finish the import");
        cluster.Log($"import {batch}: finished {killed.Elapsed.TotalSeconds:0.0} s after the kill");
        cluster.Restart(runner);

        var import = JsonDocument.Parse(await cluster.Scalar<string>("select data::text from crm.mt_doc_importbatch where id = $1", batch)).RootElement;
        output.WriteLine($"killed {runner} after row {before} of {rows}; finished: {import.GetProperty("counts")}");
        import.GetProperty("counts").GetProperty("rows").GetInt32().ShouldBe(rows);
        import.GetProperty("counts").GetProperty("created").GetInt32().ShouldBe(rows);
        // One customer and one registration per row: the slice the dead node was in was applied once, by the successor.
        (await cluster.Scalar<long>("select count(*) from crm.mt_doc_customerprofile where data ->> 'email' like $1", $"%@{domain}")).ShouldBe(rows);
        (await cluster.Scalar<long>("select count(*) from crm.mt_events where type = 'customer_registered' and data ->> 'email' like $1", $"%@{domain}"))
            .ShouldBe(rows);
        // Two runs of the one job: the killed one and the one that finished, on another node.
        var servers = await cluster.Rows(
            "select data::jsonb ->> 'ServerId' from hangfire.state where jobid = $1 and name = 'Processing' order by id", r => r.GetString(0), job);
        servers.Count.ShouldBeGreaterThanOrEqualTo(2, string.Join(", ", servers));
        servers.First().ShouldContain($":{pid}:");
        servers.Last().ShouldNotContain($":{pid}:");
    }
}
