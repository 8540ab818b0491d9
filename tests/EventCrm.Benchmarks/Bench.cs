using EventCrm.Benchmarks.Scenarios;
using Spectre.Console;

namespace EventCrm.Benchmarks;

// build/crm bench [scenario ...] [--quick]: starts the benchmarks' PostgreSQL and builds the application, then
// runs this with CRM_BENCH_ADMIN (a superuser's connection to that server), CRM_BENCH_SERVER (the application
// role's), CRM_BENCH_OWNER (the owner role's, which applies the schema) and CRM_BENCH_APP (the built EventCrm.dll).
public static class Bench
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["peer", .. var rest])
        {
            await CrudPeer.Serve(rest);
            return 0;
        }
        var quick = args.Contains("--quick");
        var docs = args.SkipWhile(a => a != "--docs").Skip(1).FirstOrDefault();
        var output = args.SkipWhile(a => a != "--out").Skip(1).FirstOrDefault() ?? Path.Combine("artifacts", "bench");
        var seconds = args.SkipWhile(a => a != "--duration").Skip(1).FirstOrDefault();
        var customers = args.SkipWhile(a => a != "--customers").Skip(1).FirstOrDefault();
        var recipients = args.SkipWhile(a => a != "--recipients").Skip(1).FirstOrDefault();
        var rebuildUpTo = args.SkipWhile(a => a != "--rebuild-up-to").Skip(1).FirstOrDefault();
        var named = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal) && a != docs && a != output && a != seconds && a != customers && a != recipients && a != rebuildUpTo).ToList();
        if (named.FirstOrDefault(n => !Plan.Scenarios.Contains(n) && n != "seed") is { } unknown)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]No scenario '{unknown}'. Scenarios: {string.Join(", ", Plan.Scenarios)}.[/]");
            return 2;
        }
        var scenarios = named.Count > 0 ? named : [.. Plan.Scenarios];
        var plan = quick ? Plan.QuickRun : Plan.Full;
        // A longer measurement, e.g. to attach a profiler to the application meanwhile (docs/benchmarks.md).
        if (seconds is not null) plan = plan with { Duration = TimeSpan.FromSeconds(int.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture)) };
        // Another size for the marketing and attribution scenarios (a step between the quick and the full plan), and
        // the imports' larger file (the smaller one a fifth of it).
        if (customers is not null)
        {
            var size = int.Parse(customers, System.Globalization.CultureInfo.InvariantCulture);
            plan = plan with { MarketingCustomers = size, ImportRows = [size / 5, size] };
        }
        // The scaling scenario up to about 10M events: a template of its own, seeded once (see Plan.TenMillionEvents).
        if (args.Contains("--10m")) plan = plan with { ScalingCustomers = [.. plan.ScalingCustomers, Plan.TenMillionEvents] };
        // The scaling scenario's rebuilds only up to this many customers (the 10M store's alone takes 15 to 20 minutes).
        if (rebuildUpTo is not null) plan = plan with { ScalingRebuildUpTo = int.Parse(rebuildUpTo, System.Globalization.CultureInfo.InvariantCulture) };
        // How many the marketing scenario's campaign sends to at most (the first members of its audience).
        if (recipients is not null) plan = plan with { MarketingRecipients = int.Parse(recipients, System.Globalization.CultureInfo.InvariantCulture) };
        if (quick && named.Count == 0) scenarios.Remove("scaling"); // store sizes up to a million events do not fit in a minute ('bench scaling --quick' runs two small ones)
        if (quick && named.Count == 0) scenarios.Remove("nodes"); // nor clusters of nodes to start ('bench nodes --quick' runs 1 and 2)
        if (quick && named.Count == 0) scenarios.Remove("marketing"); // nor a campaign through SMTP ('bench marketing --quick' runs it)
        if (quick && named.Count == 0) scenarios.Remove("attribution"); // nor a bulk append and its projection ('bench attribution --quick' runs it)
        if (quick && named.Count == 0) scenarios.Remove("imports"); // nor six imports, each a process of its own ('bench imports --quick' runs them)
        if (quick && named.Count == 0) scenarios.Remove("feed"); // nor webhook deliveries to a receiver ('bench feed --quick' runs them)

        static string Required(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"Set {name} (build/crm bench does).");
        var server = new BenchServer(Required("CRM_BENCH_ADMIN"), Required("CRM_BENCH_SERVER"), Required("CRM_BENCH_OWNER"));
        var report = new Report(plan);
        AnsiConsole.MarkupLineInterpolated($"[bold]EventCrm benchmarks[/] ({(quick ? "quick" : "full")}): {string.Join(", ", scenarios)}");

        // A harness failure says which scenario failed and why, and ends the run with an exit code, never an abort.
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            Console.Error.WriteLine($"the benchmarks failed outside a scenario: {e.ExceptionObject}");
            Environment.Exit(1);
        };
        foreach (var scenario in scenarios)
        {
            var started = DateTime.UtcNow;
            AnsiConsole.MarkupLineInterpolated($"[blue]==>[/] {scenario}");
            try
            {
                await Run(scenario, server, plan, report);
            }
            catch (Exception e)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]the '{scenario}' scenario failed after {(DateTime.UtcNow - started).TotalSeconds:0} s: {e.GetType().Name}: {e.Message}[/]");
                Console.Error.WriteLine(e);
                await server.DropWorkCopies(onlyUnused: false);
                return 1;
            }
            AnsiConsole.MarkupLineInterpolated($"[grey]{scenario} took {(DateTime.UtcNow - started).TotalSeconds:0} s[/]");
        }
        await server.DropWorkCopies(onlyUnused: false);

        // Only a full run of every scenario rewrites the summary in the docs; a quick or partial run writes its JSON only.
        if (scenarios is ["seed"]) return 0;
        await report.Write(output, quick || named.Count > 0 || seconds is not null || customers is not null ? null : docs);
        return 0;
    }

    private static async Task Run(string scenario, BenchServer server, Plan plan, Report report)
    {
        {
            switch (scenario)
            {
                case "commands": report.Add(await Commands.Sweep(server, plan)); break;
                case "queries": report.Add(await Queries.Run(server, plan)); break;
                case "bulk": report.Add(await BulkLoad.Run(server, plan)); break;
                case "rebuild": foreach (var section in await Rebuild.Run(server, plan)) report.Add(section); break;
                case "scaling": foreach (var section in await Scaling.Run(server, plan)) report.Add(section); break;
                case "models": foreach (var section in await Scenarios.Models.Run(server, plan)) report.Add(section); break;
                case "nodes": report.Add(await Nodes.Run(server, plan)); break;
                case "audit": foreach (var section in await Scenarios.Audit.Run(server, plan)) report.Add(section); break;
                case "feed": report.Add(await Feed.Run(server, plan)); break;
                case "marketing": foreach (var section in await Scenarios.Marketing.Run(server, plan)) report.Add(section); break;
                case "attribution": report.Add(await Scenarios.Attribution.Run(server, plan)); break;
                case "start": report.Add(await Scenarios.Start.Run(server, plan)); break;
                case "imports": report.Add(await Scenarios.Imports.Run(server, plan)); break;
                case "seed":
                    // Seeding ahead of a measured run, so that no figure is taken beside a seeder.
                    foreach (var customers in plan.Templates) await server.Template(customers);
                    break;
                case "trips": foreach (var section in await RoundTrips.Run(server, plan)) report.Add(section); break;
            }
        }
    }
}
