using EventCrm.Customers;
using EventCrm.Models;
using Marten;
using Marten.Events;

namespace EventCrm.Demo;

/// <summary>
/// What a first session needs to see the CRM at work: on an empty store (and only when <c>Demo:SeedIfEmpty</c> asks
/// for it, as <c>build/crm run</c> does) demo customers with their history, then the models trained on them, the
/// customers scored and a duplicate scan — so predictions, segments and duplicate pairs answer from the first
/// minute instead of after the nightly jobs. Runs once the API is up; the log says when it is done.
/// </summary>
public sealed class DemoFirstStart(IServiceProvider services, IConfiguration configuration, IHostApplicationLifetime lifetime,
    ILogger<DemoFirstStart> logger) : BackgroundService
{
    public const string Setting = "Demo:SeedIfEmpty";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var customers = configuration.GetValue(Setting, 0);
        if (customers <= 0) return;
        if (!lifetime.ApplicationStarted.IsCancellationRequested)
            await Task.Delay(Timeout.Infinite, lifetime.ApplicationStarted).ContinueWith(_ => { }, CancellationToken.None);

        var store = services.GetRequiredService<IDocumentStore>();
        if (!await DemoSeeder.IsEmpty(store, stoppingToken)) return;
        logger.LogInformation("Empty database: adding {Customers} demo customers with two years of history", customers);
        var seeded = await DemoSeeder.Seed(services, customers, seed: 42,
            new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero), progress: null, stoppingToken, daemonRunning: true);
        logger.LogInformation("Demo data: {Customers} customers, {Events} events", seeded.Customers, seeded.Events);

        await store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromMinutes(5));
        await TrainAndScan(services, "demo", logger, stoppingToken);
    }

    /// <summary>Every model trained once, the customers scored, one duplicate scan: what the schedules would do overnight.</summary>
    public static async Task TrainAndScan(IServiceProvider services, string requestedBy, ILogger logger, CancellationToken cancellation)
    {
        var trainer = services.GetRequiredService<TrainModel>();
        var trained = await trainer.Train([.. ModelCatalog.Names.Select(m => new TrainingRun(m, ModelStreams.Run(m, Guid.NewGuid().ToString())))],
            requestedBy, null, cancellation);
        foreach (var (run, card, _) in trained.Runs)
            logger.LogInformation("Model {Model}: {Outcome}", run.Model, card.Runs.LastOrDefault()?.Outcome ?? "trained");
        await services.GetRequiredService<ScoreCustomers>().Run(cancellation);
        await services.GetRequiredService<DuplicateScan>().Run(cancellation);
        logger.LogInformation("Demo models trained, customers scored, duplicates scanned");
    }
}
