namespace EventCrm.Benchmarks.Scenarios;

/// <summary>
/// Does the cost per event stay flat as the store grows? The HTTP commands at one concurrency, and the
/// rebuild, on stores of about 10k, 100k and 1M events.
/// </summary>
public static class Scaling
{
    public static async Task<Section[]> Run(BenchServer server, Plan plan)
    {
        var commands = new List<object[]>();
        var rebuilds = new List<object[]>();
        foreach (var customers in plan.ScalingCustomers)
        {
            var connection = await server.Work(await server.Template(customers));
            var events = await BenchServer.Count(connection, "select count(*) from crm.mt_events");
            LoadResult result;
            await using (var app = await AppProcess.Start(connection))
                result = await ClosedLoop.Repeat(plan, plan.ScalingConcurrency, Commands.HttpWorker(app, plan.ScalingConcurrency));
            commands.Add([customers, events, result.PerSecond, result.P50, result.P95, result.P99, result.Errors]);
            rebuilds.Add(await Rebuild.At(server, customers));
        }
        return
        [
            new Section("scaling", $"Scaling: HTTP commands at {plan.ScalingConcurrency} clients by store size",
                ["customers", "events at start", "ops/s", "p50 ms", "p95 ms", "p99 ms", "errors"], commands,
                $"{Commands.Mix}; each size on a fresh copy of its seeded database."),
            new Section("scaling", "Scaling: projection rebuild by store size", Rebuild.Columns, rebuilds, Rebuild.Note),
        ];
    }
}
