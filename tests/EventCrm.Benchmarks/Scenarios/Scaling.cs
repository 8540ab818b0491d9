using System.Globalization;
using Npgsql;

namespace EventCrm.Benchmarks.Scenarios;

/// <summary>
/// Does the cost per operation stay flat as the store grows? At each store size (about 10k, 100k and 1M events, and
/// 10M with <c>--10m</c>), on a fresh copy of its template: the HTTP commands, a customer's profile by id, the audit
/// log's filters (one command's events by correlation id; one event type over one day of the seeded history), pages of
/// the event feed from random cursors, and the rebuild; then each figure's cost at the largest store over its cost at
/// the smallest.
/// </summary>
public static class Scaling
{
    private const int ReadClients = 8;

    public static async Task<Section[]> Run(BenchServer server, Plan plan)
    {
        var rows = new List<object[]>();
        var rebuilds = new List<object[]>();
        var bySize = new List<(int Customers, long Events, Dictionary<string, LoadResult> Figures)>();
        foreach (var customers in plan.ScalingCustomers)
        {
            var connection = await server.Work(await server.Template(customers));
            var events = await BenchServer.Count(connection, "select count(*) from crm.mt_events");
            var (ids, days, last) = await Shape(connection);
            var figures = new Dictionary<string, LoadResult>();
            await using (var app = await AppProcess.Start(connection, AppProcess.Unsealed))
            {
                figures["HTTP commands"] = await ClosedLoop.Repeat(plan, plan.ScalingConcurrency, Commands.HttpWorker(app, plan.ScalingConcurrency));
                // The commands just sent are the only events with correlation ids of their own: an auditor's look-up of one command.
                var correlations = await Correlations(connection);
                using var sales = app.Client(ReadClients, "sales");
                using var auditor = app.Client(ReadClients, "auditor");
                using var integration = app.Client(ReadClients, "integration");
                figures["profile by id"] = await Reads(plan, sales, random => $"/api/customers/{ids[random.Next(ids.Length)]}");
                figures["audit log: one command by correlation id"] = await Reads(plan, auditor,
                    random => $"/api/audit/events?correlationId={correlations[random.Next(correlations.Length)]}");
                figures["audit log: one event type over one day"] = await Reads(plan, auditor, random =>
                {
                    var day = days[random.Next(days.Length)];
                    return $"/api/audit/events?type=purchase_recorded&from={Iso(day)}&to={Iso(day.AddDays(1))}&pageSize=50";
                });
                figures["event feed: 500 events from a random cursor"] = await Reads(plan, integration,
                    random => $"/api/feed?after={random.NextInt64(Math.Max(1, last - 600))}&limit=500");
            }
            foreach (var (figure, result) in figures)
                rows.Add([customers, events, figure, result.PerSecond, result.P50, result.P95, result.P99, result.Shares.ToString(), result.Errors]);
            bySize.Add((customers, events, figures));
            if (customers <= plan.ScalingRebuildUpTo) rebuilds.Add(await Rebuild.At(server, customers));
        }

        var ratios = new List<object[]>();
        var goals = new List<Goal>();
        if (bySize.Count >= 2)
        {
            var (smallest, largest) = (bySize[0], bySize[^1]);
            foreach (var figure in smallest.Figures.Keys)
            {
                // Cost per operation is the inverse of the rate: how much dearer one is at the largest store.
                var cost = smallest.Figures[figure].PerSecond / largest.Figures[figure].PerSecond;
                var p99 = largest.Figures[figure].P99 / smallest.Figures[figure].P99;
                ratios.Add([figure, smallest.Events, largest.Events, cost, p99]);
                if (figure is "HTTP commands" or "profile by id")
                    goals.Add(new Goal($"{figure}: cost per operation at {largest.Events:N0} events × at {smallest.Events:N0}", "≤ 1.2×",
                        Commands.Ratio(cost), cost <= 1.2));
            }
            if (rebuilds.Count >= 2)
                ratios.Add(["rebuild (time per event)", (long)rebuilds[0][1], (long)rebuilds[^1][1], (double)rebuilds[0][3] / (double)rebuilds[^1][3], double.NaN]);
        }

        return
        [
            new Section("scaling", "Scaling: commands and reads by store size",
                ["customers", "events at start", "what", "per s", "p50 ms", "p95 ms", "p99 ms", "cores used", "errors"], rows,
                $"Each size on a fresh copy of its seeded database, the application started on it with the audit sealer off (it would seal the copy's whole history meanwhile): the commands ({Commands.Mix}) at " +
                $"{plan.ScalingConcurrency} clients, then each read at {ReadClients} clients. The audit log's day of one type counts its " +
                "matches, which grow with the store (the seeded history spans the same two years at every size); the other reads " +
                "touch the same number of rows at every size."),
            new Section("scaling", "Scaling: projection rebuild by store size", Rebuild.Columns, rebuilds, Rebuild.Note),
            new Section("scaling", "Scaling: the largest store against the smallest",
                ["what", "events, smallest", "events, largest", "cost per operation ×", "p99 ×"], ratios,
                "'cost per operation ×' is the smallest store's rate over the largest's (1.00: flat). Goal: ≤ 1.2× for the commands and the profile reads.",
                [.. goals]),
        ];
    }

    private static Task<LoadResult> Reads(Plan plan, HttpClient client, Func<Random, string> url) =>
        ClosedLoop.Repeat(plan, ReadClients, worker =>
        {
            var random = new Random(worker);
            return async () =>
            {
                using var response = await client.GetAsync(url(random));
                await AppProcess.Succeeded(response);
            };
        });

    private static string Iso(DateTime day) => Uri.EscapeDataString(day.ToString("yyyy-MM-dd'T'00:00:00'Z'", CultureInfo.InvariantCulture));

    // Customers to read, the days of the seeded history, and the last sequence (the feed's cursors are below it).
    private static async Task<(Guid[] Ids, DateTime[] Days, long Last)> Shape(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var ids = new List<Guid>();
        await using (var command = new NpgsqlCommand("select id from crm.mt_doc_customerprofile", connection))
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) ids.Add(reader.GetGuid(0));
        await using var range = new NpgsqlCommand("select min(timestamp), max(timestamp), max(seq_id) from crm.mt_events", connection);
        await using var bounds = await range.ExecuteReaderAsync();
        await bounds.ReadAsync();
        var (first, last) = (bounds.GetDateTime(0).Date.AddDays(1), bounds.GetDateTime(1).Date.AddDays(-1));
        var days = Enumerable.Range(0, Math.Max(1, (int)(last - first).TotalDays)).Select(d => first.AddDays(d)).ToArray();
        return ([.. ids], days, bounds.GetInt64(2));
    }

    private static async Task<string[]> Correlations(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select distinct correlation_id from crm.mt_events where user_name is not null and correlation_id is not null limit 5000", connection);
        var found = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) found.Add(reader.GetString(0));
        return found.Count > 0 ? [.. found] : throw new InvalidOperationException("The commands left no correlation id to look up.");
    }
}
