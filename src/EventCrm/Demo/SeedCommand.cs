using EventCrm.Customers;
using EventCrm.Infrastructure;
using JasperFx.CommandLine;
using Marten;
using Npgsql;
using Spectre.Console;

namespace EventCrm.Demo;

public class SeedInput : NetCoreInput
{
    [Description("How many customers to generate (default 2000)")]
    [FlagAlias("customers", 'n')]
    public int CustomersFlag { get; set; } = 2_000;

    [Description("Random seed: the same seed gives the same customers (default 42)")]
    [FlagAlias("seed", 's')]
    public int SeedFlag { get; set; } = 42;

    [Description("Histories end on this date, yyyy-MM-dd (default: today)")]
    [FlagAlias("until", 'u')]
    public string? UntilFlag { get; set; }

    [Description("Do nothing if the event store already holds events")]
    [FlagAlias("if-empty")]
    public bool IfEmptyFlag { get; set; }

    [Description("Do not train the models, score the customers and scan for duplicates after seeding")]
    [FlagAlias("no-models")]
    public bool NoModelsFlag { get; set; }
}

/// <summary><c>seed --customers 100000</c>: demo customers with two years of history.</summary>
[Description("Generate deterministic demo customers with two years of history", Name = "seed")]
public class SeedCommand : JasperFxAsyncCommand<SeedInput>
{
    public override async Task<bool> Execute(SeedInput input)
    {
        using var host = input.BuildHost();
        var store = host.Services.GetRequiredService<IDocumentStore>();
        var until = input.UntilFlag is { Length: > 0 } text
            ? new DateTimeOffset(DateOnly.Parse(text).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)
            : new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero);

        // Seeding rebuilds every read model: it must not race a running application's projections.
        await using var exclusive = await ApplicationLock.TryExclusive(host.Services.GetRequiredService<NpgsqlDataSource>(), CancellationToken.None);
        if (exclusive is null)
        {
            AnsiConsole.MarkupLine("[red]The application is running against this database: stop every node before seeding demo data.[/]");
            AnsiConsole.MarkupLine("[grey]Seeding rebuilds every read model, which would race the running nodes' projections. Nothing was changed.[/]");
            return false;
        }

        if (input.IfEmptyFlag && !await DemoSeeder.IsEmpty(store, CancellationToken.None))
        {
            AnsiConsole.MarkupLine("[grey]The event store already holds events: no demo data added.[/]");
            return true;
        }

        SeedResult result = null!;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                var progress = new Progress<(string Stage, double Done)>(report =>
                {
                    if (!tasks.TryGetValue(report.Stage, out var task))
                        tasks[report.Stage] = task = context.AddTask(report.Stage, maxValue: 1);
                    task.Value = report.Done;
                });
                result = await DemoSeeder.Seed(host.Services, input.CustomersFlag, input.SeedFlag, until, progress,
                    CancellationToken.None);
            });

        AnsiConsole.MarkupLine(
            $"Seeded [bold]{result.Customers:N0}[/] customers ({result.Streams:N0} streams, {result.Events:N0} events): " +
            $"appended in {result.Appending.TotalSeconds:F1} s ({result.Events / Math.Max(0.001, result.Appending.TotalSeconds):N0} events/s), " +
            $"read models rebuilt in {result.Rebuilding.TotalSeconds:F1} s ({result.Events / Math.Max(0.001, result.Rebuilding.TotalSeconds):N0} events/s).");
        if (!input.NoModelsFlag)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            await DemoFirstStart.TrainAndScan(host.Services, "seed", host.Services.GetRequiredService<ILogger<SeedCommand>>(),
                CancellationToken.None);
            AnsiConsole.MarkupLine($"Models trained, customers scored and duplicates scanned in {watch.Elapsed.TotalSeconds:F1} s.");
        }
        return true;
    }
}
