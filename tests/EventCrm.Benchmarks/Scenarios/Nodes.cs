using System.Net;
using System.Net.Sockets;
using EventCrm.Cluster;

namespace EventCrm.Benchmarks.Scenarios;

/// <summary>
/// Scale-out: the HTTP command mix through nginx (docker/nginx.conf, rendered for loopback as the cluster tests
/// render it) in front of 1, 2 and 3 application nodes on one PostgreSQL, at one concurrency, each count on a
/// fresh copy of the commands' seeded database. On one machine the nodes share its cores with PostgreSQL and
/// nginx: the figures show what distribution costs or gains here, not what more machines would add.
/// </summary>
public static class Nodes
{
    public static async Task<Section> Run(BenchServer server, Plan plan)
    {
        var rows = new List<object[]>();
        double? single = null;
        var template = await server.Template(plan.CommandsCustomers);
        foreach (var count in plan.Nodes)
        {
            var connection = await server.Work(template);
            var nodes = new List<AppProcess>();
            try
            {
                // One after another: the first node of a copy settles the schemas, the others find them done.
                for (var i = 0; i < count; i++) nodes.Add(await AppProcess.Start(connection));
                var directory = Path.Combine(Path.GetTempPath(), $"eventcrm-bench-nginx-{Environment.ProcessId}");
                await using var balancer = new Balancer(directory, FreePort());
                await balancer.Start(await File.ReadAllTextAsync(Path.Combine(Root(), "docker", "nginx.conf")), nodes.Select(n => n.Address.Port));
                using var client = AppProcess.Client(balancer.Address, plan.NodesConcurrency, "sales");
                var result = await ClosedLoop.Repeat(plan, plan.NodesConcurrency, Commands.HttpWorker(client));
                single ??= result.PerSecond;
                rows.Add([count, result.PerSecond, result.PerSecond / single.Value, result.P50, result.P95, result.P99, result.Errors]);
            }
            finally
            {
                foreach (var node in nodes) await node.DisposeAsync();
            }
        }
        return new Section("nodes", $"Nodes: HTTP commands through nginx at {plan.NodesConcurrency} clients",
            ["nodes", "ops/s", "× 1 node", "p50 ms", "p95 ms", "p99 ms", "errors"], rows,
            $"{Commands.Mix}. Round-robin through nginx to N identical nodes (no job servers) on one PostgreSQL, all on " +
            $"this one machine ({Environment.ProcessorCount} cores shared by the nodes, nginx, PostgreSQL and the load).");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Root()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "EventCrm.sln"))) return directory.FullName;
        return Directory.GetCurrentDirectory(); // build/crm bench runs from the repository's root
    }
}
