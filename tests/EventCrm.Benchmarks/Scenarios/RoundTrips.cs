using System.Globalization;
using System.Net.Http.Json;
using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using Npgsql;

namespace EventCrm.Benchmarks.Scenarios;

/// <summary>
/// What one command costs the database: each of the commands scenario's three commands sent one at a time, many
/// times over, and counted from both ends. PostgreSQL's <c>pg_stat_statements</c> gives the statements it ran
/// and <c>pg_stat_database</c> the transactions it committed; the application's own Npgsql metrics (scraped from
/// <c>/metrics</c>) give the commands and batches it sent, each one round trip, and a transaction's COMMIT is one
/// more. The asynchronous projections' work that a command causes is counted with it: each count covers the
/// commands and the few seconds after them in which the daemon catches up. What the application does while idle
/// (its polling) is measured over a quiet stretch first and taken off in proportion.
/// </summary>
public static class RoundTrips
{
    public static async Task<List<Section>> Run(BenchServer server, Plan plan)
    {
        var connection = await server.Work(await server.Template(plan.CommandsCustomers));
        var database = new NpgsqlConnectionStringBuilder(connection).Database!;
        await server.Admin(database, "create extension if not exists pg_stat_statements");
        var count = plan.Quick ? 40 : 300;

        await using var app = await AppProcess.Start(connection);
        using var client = app.Client(1, "sales");
        using var metrics = app.Client(1, "admin");
        var driver = new Driver(client);

        // Warm: every statement prepared, every handler's first call behind it.
        await driver.Warm(Math.Min(count, 30));
        await server.CaughtUp(database);

        var quiet = plan.Quick ? TimeSpan.FromSeconds(5) : TimeSpan.FromSeconds(15);
        var idleStart = await Counts.Take(server, database, metrics);
        await Task.Delay(quiet);
        var idle = (await Counts.Take(server, database, metrics)).Minus(idleStart).Per(quiet.TotalSeconds);

        var rows = new List<object[]>
        {
            new object[] { "none (idle), per second", 0, idle.Statements.Where(s => s.Key != "COMMIT" && !s.Key.StartsWith("BEGIN", StringComparison.Ordinal)).Sum(s => s.Value),
                idle.Transactions, idle.Operations, idle.Commits, idle.Operations + idle.Commits },
        };
        var statements = new List<object[]>();
        foreach (var (query, calls) in idle.Statements.Where(s => s.Value >= 0.05).OrderByDescending(s => s.Value))
            statements.Add(["none (idle), per second", Math.Round(calls, 2), Shorten(query)]);
        foreach (var (kind, run) in new (string, Func<Task>)[]
                 {
                     ("register a customer", () => driver.Register(count)),
                     ("record a purchase (with an Idempotency-Key)", () => driver.Purchase()),
                     ("change the e-mail", () => driver.ChangeEmail()),
                 })
        {
            var before = await Counts.Take(server, database, metrics);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            await run();
            await server.CaughtUp(database);
            var after = await Counts.Take(server, database, metrics);
            var cost = after.Minus(before).Minus(idle.Times(watch.Elapsed.TotalSeconds)).Per(count);
            rows.Add([kind, count, cost.Statements.Where(s => s.Key != "COMMIT" && !s.Key.StartsWith("BEGIN", StringComparison.Ordinal)).Sum(s => s.Value), cost.Transactions,
                cost.Operations, cost.Commits, cost.Operations + cost.Commits]);
            foreach (var (query, calls) in cost.Statements.Where(s => s.Value >= 0.05).OrderByDescending(s => s.Value))
                statements.Add([kind, Math.Round(calls, 2), Shorten(query)]);
        }

        return
        [
            new Section("trips", "Round trips per command",
                ["command", "commands sent", "statements (pg_stat_statements)", "transactions", "Npgsql operations", "COMMITs", "round trips (operations + COMMITs)"],
                rows,
                $"Each command sent {count:N0} times in a row by one client, on a copy of the {plan.CommandsCustomers:N0}-customer database; " +
                "per command: the statements PostgreSQL ran (pg_stat_statements, top-level; BEGIN and COMMIT left out, a connection's reset " +
                "from the pool, DISCARD ALL, counted), the transactions it committed (each autocommitted statement one), and the commands " +
                "or batches the application's Npgsql sent, each a round trip, as is each COMMIT. The asynchronous " +
                $"projections' and the audit sealer's work for the command is included (each count ends when they have caught up); the idle " +
                $"application's polling, measured over {quiet.TotalSeconds:0} s, is taken off in proportion."),
            new Section("trips", "Statements per command, by statement",
                ["command", "calls per command", "statement"], statements,
                "pg_stat_statements' normalised text, shortened; statements run fewer than once in twenty commands are left out."),
        ];
    }

    private static string Shorten(string query)
    {
        var flat = string.Join(' ', query.Split((char[])['\n', '\r', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));
        return flat.Length <= 110 ? flat : flat[..107] + "...";
    }

    /// <summary>The three commands, sent one at a time, each on customers of its own run.</summary>
    private sealed class Driver(HttpClient client)
    {
        private readonly string _run = Guid.NewGuid().ToString("N")[..8];
        private readonly List<(Guid Id, int Version)> _customers = [];
        private int _n;

        public async Task Warm(int count)
        {
            await Register(count);
            await Purchase();
            await ChangeEmail();
        }

        public async Task Register(int count)
        {
            _customers.Clear();
            for (var i = 0; i < count; i++)
            {
                using var response = await client.PostAsJsonAsync("/api/customers", Commands.Events.Command(_run, 0, ++_n));
                await AppProcess.Succeeded(response);
                var registered = (await response.Content.ReadFromJsonAsync<CustomerRegisteredResponse>())!;
                _customers.Add((registered.Id, registered.Version));
            }
        }

        public async Task Purchase()
        {
            for (var i = 0; i < _customers.Count; i++)
            {
                var (id, version) = _customers[i];
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/customers/{id}/purchases");
                request.Headers.Add("Idempotency-Key", $"{_run}-{id}");
                request.Content = JsonContent.Create(new { version, amount = 49.90m, currency = "EUR", product = "Trail Shoes", category = "Shoes" });
                using var response = await client.SendAsync(request);
                await AppProcess.Succeeded(response);
                _customers[i] = (id, (await response.Content.ReadFromJsonAsync<PurchaseRecordedResponse>())!.Version);
            }
        }

        public async Task ChangeEmail()
        {
            for (var i = 0; i < _customers.Count; i++)
            {
                var (id, version) = _customers[i];
                using var response = await client.PostAsJsonAsync($"/api/customers/{id}/contact-details",
                    new { version, email = $"{_run}-{id:N}@moved.example.com" });
                await AppProcess.Succeeded(response);
                _customers[i] = (id, (await response.Content.ReadFromJsonAsync<VersionResponse>())!.Version);
            }
        }
    }

    private sealed record Counts(IReadOnlyDictionary<string, double> Statements, double Transactions, double Operations)
    {
        public double Commits => Statements.GetValueOrDefault("COMMIT");

        public static async Task<Counts> Take(BenchServer server, string database, HttpClient metrics)
        {
            // The statistics collector publishes a backend's counts at its transactions' ends, at most once a second.
            await Task.Delay(TimeSpan.FromSeconds(1.2));
            var statements = new Dictionary<string, double>();
            foreach (var row in await server.AdminRows(database, """
                         select query, sum(calls)::float8 from pg_stat_statements
                         where dbid = (select oid from pg_database where datname = current_database()) and toplevel
                           and query not like 'select pg_stat_statements%'
                         group by query
                         """))
                statements[(string)row[0]] = (double)row[1];
            // A COMMIT is a round trip of its own; a BEGIN rides with the transaction's first command, and so does
            // the reset of a connection taken from the pool (DISCARD ALL): statements, not round trips.
            var transactions = (await server.AdminRows(database,
                "select (xact_commit + xact_rollback)::float8 from pg_stat_database where datname = current_database()"))[0][0];
            return new Counts(statements, (double)transactions, await OperationsSent(metrics));
        }

        /// <summary>Npgsql's count of executed commands and batches (<c>db.client.operation.duration</c>), all pools.</summary>
        private static async Task<double> OperationsSent(HttpClient metrics)
        {
            var text = await metrics.GetStringAsync("/metrics");
            return text.Split('\n')
                .Where(line => line.StartsWith("db_client_operation_duration_seconds_count", StringComparison.Ordinal))
                .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
        }

        public Counts Minus(Counts other) => new(
            Statements.ToDictionary(s => s.Key, s => s.Value - other.Statements.GetValueOrDefault(s.Key)),
            Transactions - other.Transactions, Operations - other.Operations);

        public Counts Per(double n) => new(Statements.ToDictionary(s => s.Key, s => s.Value / n), Transactions / n, Operations / n);

        public Counts Times(double n) => Per(1 / n);
    }
}
