using Npgsql;

namespace EventCrm.Benchmarks.Scenarios;

/// <summary>
/// Reads at size: a customer's profile by id (random among all customers) and a filtered page of the customer
/// list (customers in Germany, sorted by name, a random one of the first 20 pages of 25, counted), and the same
/// list walked by cursor (each worker follows 'next' through the first 20 pages of 25, then starts again; no count),
/// each under load.
/// </summary>
public static class Queries
{
    public static async Task<Section> Run(BenchServer server, Plan plan)
    {
        var connection = server.ConnectionString(await server.Template(plan.QueriesCustomers));
        var ids = await CustomerIds(connection);
        var rows = new List<object[]>();
        var goals = new List<Goal>();
        await using (var app = await AppProcess.Start(connection, AppProcess.Unsealed))
        {
            foreach (var concurrency in plan.QueryConcurrency)
            {
                using var client = app.Client(concurrency, "sales");
                var profile = await ClosedLoop.Repeat(plan, concurrency, worker =>
                {
                    var random = new Random(worker);
                    return async () =>
                    {
                        using var response = await client.GetAsync($"/api/customers/{ids[random.Next(ids.Length)]}");
                        await AppProcess.Succeeded(response);
                    };
                });
                var list = await ClosedLoop.Repeat(plan, concurrency, worker =>
                {
                    var random = new Random(worker);
                    return async () =>
                    {
                        using var response = await client.GetAsync($"/api/customers?country=DE&page={1 + random.Next(20)}&pageSize=25");
                        await AppProcess.Succeeded(response);
                    };
                });
                var walk = await ClosedLoop.Repeat(plan, concurrency, _ =>
                {
                    const string first = "/api/customers?country=DE&pageSize=25&count=false";
                    string? next = null;
                    var pages = 0;
                    return async () =>
                    {
                        var url = next is null ? first : $"/api/customers?country=DE&pageSize=25&after={Uri.EscapeDataString(next)}";
                        using var response = await client.GetAsync(url);
                        await AppProcess.Succeeded(response);
                        next = ++pages % 20 == 0 ? null : NextOf(await response.Content.ReadAsStringAsync());
                    };
                });
                rows.Add([concurrency, "profile by id", profile.PerSecond, profile.P50, profile.P95, profile.P99, profile.Shares.ToString(), profile.Errors]);
                rows.Add([concurrency, "list page (country=DE)", list.PerSecond, list.P50, list.P95, list.P99, list.Shares.ToString(), list.Errors]);
                rows.Add([concurrency, "list by cursor (country=DE)", walk.PerSecond, walk.P50, walk.P95, walk.P99, walk.Shares.ToString(), walk.Errors]);
                if (concurrency != 8) continue;
                goals.Add(new Goal($"customer list by cursor at {ids.Length:N0} customers, 8 clients", "≥ 2,000 pages/s",
                    $"{walk.PerSecond:N0} pages/s", walk.PerSecond >= 2_000));
                goals.Add(new Goal($"customer list by cursor's p99, 8 clients", "≤ 25 ms", $"{walk.P99:0.0} ms", walk.P99 <= 25));
            }
        }
        return new Section("queries", $"Queries at {ids.Length:N0} customers",
            ["clients", "query", "req/s", "p50 ms", "p95 ms", "p99 ms", "cores used", "errors"], rows,
            "GET over HTTP with a sales token, closed loop, same machine, the audit sealer off (it would be sealing the template's history meanwhile); the profile is one document by id, the list a " +
            "filtered, counted and sorted page by number, the cursor walk the same filter and sort page after page, " +
            "uncounted (the client reads each answer for its 'next'). 'cores used': the average cores of the application, PostgreSQL " +
            $"and the client while measured, of {Environment.ProcessorCount}.", [.. goals]);
    }

    /// <summary>
    /// The page's 'next', found near the end of the answer rather than by parsing every profile: the client shares the
    /// machine's two cores with the application, and this keeps its share close to the page-number loop's.
    /// </summary>
    private static string? NextOf(string page)
    {
        const string name = "\"next\":\"";
        var at = page.LastIndexOf(name, StringComparison.Ordinal);
        if (at < 0) return null;
        var start = at + name.Length;
        return page[start..page.IndexOf('"', start)];
    }

    private static async Task<Guid[]> CustomerIds(string connectionString)
    {
        await using var database = NpgsqlDataSource.Create(connectionString);
        await using var command = database.CreateCommand("select id from crm.mt_doc_customerprofile");
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<Guid>();
        while (await reader.ReadAsync()) ids.Add(reader.GetGuid(0));
        return [.. ids];
    }
}
