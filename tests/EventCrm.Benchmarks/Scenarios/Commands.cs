using System.Net.Http.Json;
using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace EventCrm.Benchmarks.Scenarios;

/// <summary>
/// Commands: each worker registers a customer, records a purchase on it (with an idempotency key) and changes
/// its e-mail, then starts again with a new customer; the same three events three ways, at each concurrency:
/// over HTTP through the whole application, as Marten appends in this process (the store, its inline
/// projections, no HTTP, no validation, no outbox), and as the physical baseline: one single-row INSERT of the
/// event's JSON per transaction into a plain table with the same keys.
/// </summary>
public static class Commands
{
    public const string Mix = "register a customer, record a purchase, change the e-mail: one third each";

    public static async Task<Section> Sweep(BenchServer server, Plan plan)
    {
        var connection = await server.Work(await server.Template(plan.CommandsCustomers));
        var events = await BenchServer.Count(connection, "select count(*) from crm.mt_events");
        var rows = new List<object[]>();
        var goals = new List<Goal>();
        await using (var http = await AppProcess.Start(connection))
        await using (var app = await InProcessApp.Start(connection))
        await using (var raw = await RawTable.Create(server.OwnerOf(connection), app.Rules))
        // The peer makes and owns its tables, as a CRUD application usually does: it runs as the database's owner.
        await using (var peer = await CrudPeer.Start(server.OwnerOf(connection)))
        {
            // The application's projections and sealer digest what each EventCrm path appended before the next path is
            // measured (and the template's history first): the digestion belongs to the path that caused it.
            var database = new NpgsqlConnectionStringBuilder(connection).Database!;
            await server.CaughtUp(database);
            foreach (var concurrency in plan.Concurrency)
            {
                var baseline = await ClosedLoop.Repeat(plan, concurrency, raw.Worker);
                var marten = await ClosedLoop.Repeat(plan, concurrency, MartenWorker(app), pinned: false);
                await server.CaughtUp(database);
                using var peerClient = AppProcess.Client(peer.Address, concurrency, "sales");
                var crud = await ClosedLoop.Repeat(plan, concurrency, HttpWorker(peerClient));
                var api = await ClosedLoop.Repeat(plan, concurrency, HttpWorker(http, concurrency));
                await server.CaughtUp(database);
                foreach (var (path, result) in new[] { ("raw INSERT", baseline), ("Marten append", marten), ("CRUD peer (HTTP)", crud), ("HTTP command", api) })
                    rows.Add([concurrency, path, result.PerSecond, result.PerSecond / baseline.PerSecond, result.PerSecond / marten.PerSecond,
                        result.PerSecond / crud.PerSecond, result.P50, result.P95, result.P99, result.P99 / crud.P99, result.Shares.ToString(), result.Errors]);
                if (concurrency < 8) continue;
                goals.Add(new Goal($"HTTP commands × the CRUD peer, {concurrency} clients", "≥ 1.0", Ratio(api.PerSecond / crud.PerSecond), api.PerSecond >= crud.PerSecond));
                goals.Add(new Goal($"HTTP commands' p99 × the CRUD peer's, {concurrency} clients", "≤ 1.5", Ratio(api.P99 / crud.P99), api.P99 <= 1.5 * crud.P99));
                goals.Add(new Goal($"HTTP commands × Marten's append alone, {concurrency} clients", "≥ 0.8", Ratio(api.PerSecond / marten.PerSecond), api.PerSecond >= 0.8 * marten.PerSecond));
            }
        }
        return new Section("commands", "Commands: HTTP, Marten, a CRUD CRM and the raw-insert baseline",
            ["clients", "path", "ops/s", "× raw", "× Marten", "× CRUD", "p50 ms", "p95 ms", "p99 ms", "p99 × CRUD", "cores used", "errors"], rows,
            $"{Mix}. Closed loop, one client process on the same machine as the application and PostgreSQL " +
            $"(durability on); {events:N0} events in the store at the start. '× raw' is ops/s over the raw INSERT's at the same concurrency, " +
            "'× Marten' over Marten's append alone (in the client's process, no HTTP); " +
            "'× CRUD' over the CRUD peer's: a minimal-API CRM that, per command and in one transaction, locks and reads the customer row, " +
            "checks its version, updates it (the profile's indexes), inserts an audit row (and the purchase, after claiming its idempotency key), " +
            "behind the same tokens and client (tests/EventCrm.Benchmarks/CrudPeer.cs). 'cores used': the average cores of the application " +
            "(or the peer), PostgreSQL and the client process (which runs Marten's append itself) while measured, of " +
            $"{Environment.ProcessorCount}. Goal: × CRUD ≥ 1.0 at 8 and 32 clients, p99 × CRUD ≤ 1.5, × Marten ≥ 0.8.", [.. goals]);
    }

    public static string Ratio(double ratio) => ratio.ToString("0.00×", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The three commands over HTTP, each worker on customers of its own (so no 409s).</summary>
    public static Func<int, Func<Task>> HttpWorker(AppProcess app, int concurrency) => HttpWorker(app.Client(concurrency, "sales"));

    /// <summary>The same, through any client (one with the balancer's address, say) carrying a sales token.</summary>
    public static Func<int, Func<Task>> HttpWorker(HttpClient client)
    {
        return worker =>
        {
            // New e-mail addresses for every run, repeats included: they are unique among customers.
            var run = Guid.NewGuid().ToString("N")[..8];
            var step = 0;
            var n = 0;
            Guid customer = default;
            var version = 0;
            return async () =>
            {
                HttpResponseMessage response;
                switch (step)
                {
                    case 0:
                        n++;
                        response = await client.PostAsJsonAsync("/api/customers", Events.Command(run, worker, n));
                        await AppProcess.Succeeded(response);
                        var registered = (await response.Content.ReadFromJsonAsync<CustomerRegisteredResponse>())!;
                        (customer, version) = (registered.Id, registered.Version);
                        break;
                    case 1:
                        using (var request = new HttpRequestMessage(HttpMethod.Post, $"/api/customers/{customer}/purchases"))
                        {
                            request.Headers.Add("Idempotency-Key", $"{run}-{worker}-{n}");
                            request.Content = JsonContent.Create(new { version, amount = 49.90m, currency = "EUR", product = "Trail Shoes", category = "Shoes" });
                            response = await client.SendAsync(request);
                        }
                        await AppProcess.Succeeded(response);
                        version = (await response.Content.ReadFromJsonAsync<PurchaseRecordedResponse>())!.Version;
                        break;
                    default:
                        response = await client.PostAsJsonAsync($"/api/customers/{customer}/contact-details",
                            new { version, email = $"{run}-{worker}-{n}@moved.example.com" });
                        await AppProcess.Succeeded(response);
                        version = (await response.Content.ReadFromJsonAsync<VersionResponse>())!.Version;
                        break;
                }
                step = (step + 1) % 3;
            };
        };
    }

    /// <summary>The same three events appended with Marten: a session and SaveChanges per command.</summary>
    public static Func<int, Func<Task>> MartenWorker(InProcessApp app)
    {
        var store = app.Store;
        var rules = app.Rules;
        return worker =>
        {
            var run = Guid.NewGuid().ToString("N")[..8];
            var step = 0;
            var n = 0;
            var customer = Guid.Empty;
            return async () =>
            {
                await using var session = store.LightweightSession();
                var now = DateTimeOffset.UtcNow;
                switch (step)
                {
                    case 0:
                        n++;
                        customer = Guid.CreateVersion7();
                        session.Events.StartStream<Customer>(customer, Events.Registered(rules, run, worker, n));
                        break;
                    case 1:
                        session.Events.Append(customer, 2, Events.Purchase(now));
                        break;
                    default:
                        session.Events.Append(customer, 3, Events.Moved(run, worker, n, now));
                        break;
                }
                await session.SaveChangesAsync();
                step = (step + 1) % 3;
            };
        };
    }

    /// <summary>The events the mix appends, whichever way it appends them.</summary>
    public static class Events
    {
        /// <summary>Through the endpoint's own pure handler, so that it is the event the API would append.</summary>
        public static CustomerRegistered Registered(CustomerRules rules, string run, int worker, int n) =>
            CustomerRegistration.Of(Command(run, worker, n), rules, TimeProvider.System.GetUtcNow()).Registered(TimeProvider.System.GetUtcNow());

        public static RegisterCustomer Command(string run, int worker, int n) =>
            new($"Bench Customer {worker}-{n}", $"{run}-{worker}-{n}@bench.example.com", Age: 20 + n % 50,
                AnnualIncome: 30_000 + n % 70 * 1_000, Country: "DE", AcquisitionSource: "web");

        public static PurchaseRecorded Purchase(DateTimeOffset now) =>
            new(Guid.CreateVersion7(), 49.90m, "EUR", "Trail Shoes", "Shoes", now);

        public static ContactDetailsChanged Moved(string run, int worker, int n, DateTimeOffset now) =>
            new($"{run}-{worker}-{n}@moved.example.com", null, now);
    }

    /// <summary>
    /// The physical baseline: a plain table keyed like the event store (a sequence, and stream and version
    /// unique), one INSERT of one event's JSON per transaction, through Npgsql with a pool as large as the
    /// concurrency.
    /// </summary>
    public sealed class RawTable : IAsyncDisposable
    {
        private readonly NpgsqlDataSource _database;
        private readonly CustomerRules _rules;
        private readonly string _run = Guid.NewGuid().ToString("N")[..8];

        private RawTable(NpgsqlDataSource database, CustomerRules rules) => (_database, _rules) = (database, rules);

        public static async Task<RawTable> Create(string connectionString, CustomerRules rules)
        {
            var database = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 128 }.ConnectionString).Build();
            await using var command = database.CreateCommand("""
                create schema if not exists bench;
                drop table if exists bench.raw_events;
                create table bench.raw_events (
                    seq_id bigserial primary key, stream_id uuid not null, version int not null,
                    type text not null, data jsonb not null, timestamp timestamptz not null default now(),
                    unique (stream_id, version));
                """);
            await command.ExecuteNonQueryAsync();
            return new RawTable(database, rules);
        }

        public Func<Task> Worker(int worker)
        {
            var step = 0;
            var n = 0;
            var stream = Guid.Empty;
            return async () =>
            {
                var now = DateTimeOffset.UtcNow;
                object e = step switch
                {
                    0 => Events.Registered(_rules, _run, worker, ++n),
                    1 => Events.Purchase(now),
                    _ => Events.Moved(_run, worker, n, now),
                };
                if (step == 0) stream = Guid.CreateVersion7();
                await using var command = _database.CreateCommand("insert into bench.raw_events (stream_id, version, type, data) values ($1, $2, $3, $4)");
                command.Parameters.Add(new NpgsqlParameter { Value = stream });
                command.Parameters.Add(new NpgsqlParameter { Value = step + 1 });
                command.Parameters.Add(new NpgsqlParameter { Value = e.GetType().Name });
                command.Parameters.Add(new NpgsqlParameter { Value = System.Text.Json.JsonSerializer.Serialize(e, e.GetType(), Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
                await command.ExecuteNonQueryAsync();
                step = (step + 1) % 3;
            };
        }

        private static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web);

        public async ValueTask DisposeAsync() => await _database.DisposeAsync();
    }
}
