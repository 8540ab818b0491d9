using Hangfire;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EventCrm.Infrastructure.Observability;

/// <summary>
/// Reads the figures the database keeps (projection lag, outbox, inbox, dead letters, job queues, model age)
/// every <c>Observability:SampleInterval</c>, for the gauges of <see cref="CrmMetrics"/>. A part that cannot be
/// read keeps its last value; <c>eventcrm.sample.age</c> tells how old the figures are.
/// </summary>
internal sealed class OperationsSampler(
    CrmMetrics metrics,
    ProjectionLag lag,
    NpgsqlDataSource database,
    IServiceProvider services,
    IEnumerable<IModelAges> models,
    TimeProvider clock,
    IOptions<ObservabilityOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<OperationsSampler> logger) : BackgroundService
{
    private const string Messages = Storage.Schemas.Messaging;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Not while the host starts: the schemas are being created or upgraded then, and reading them would
        // only contend with that.
        var started = new TaskCompletionSource();
        await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        await using (stoppingToken.Register(() => started.TrySetResult()))
            await started.Task;

        using var timer = new PeriodicTimer(options.Value.SampleInterval);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    metrics.Observed(await Sample(metrics.Reading, stoppingToken));
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning("Could not read the operational figures from the database: {Reason}", e.Message);
                }
                await timer.WaitForNextTickAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    internal async Task<OperationsReading> Sample(OperationsReading last, CancellationToken cancellation)
    {
        var (sequence, projections) = await lag.Read(cancellation);
        var reading = last with { At = clock.GetUtcNow(), LastSequence = sequence, Projections = projections };

        reading = await Part(reading, async () =>
        {
            // Wolverine's tables exist once a node has started Wolverine; until then there is nothing to count.
            await using var command = database.CreateCommand($"""
                select (select count(*) from {Messages}.wolverine_outgoing_envelopes),
                       (select count(*) from {Messages}.wolverine_incoming_envelopes where status = 'Incoming'),
                       (select count(*) from {Messages}.wolverine_incoming_envelopes where status = 'Scheduled'),
                       (select count(*) from {Messages}.wolverine_dead_letters)
                """);
            await using var reader = await command.ExecuteReaderAsync(cancellation);
            await reader.ReadAsync(cancellation);
            return reading with
            {
                Outbox = reader.GetInt64(0), Inbox = reader.GetInt64(1), Scheduled = reader.GetInt64(2), DeadLetters = reader.GetInt64(3),
            };
        });

        reading = await Part(reading, () =>
        {
            var statistics = services.GetRequiredService<JobStorage>().GetMonitoringApi().GetStatistics();
            return Task.FromResult(reading with
            {
                JobsEnqueued = statistics.Enqueued, JobsProcessing = statistics.Processing, JobsFailed = statistics.Failed,
                JobServers = statistics.Servers,
            });
        });

        foreach (var source in models)
            reading = await Part(reading, async () =>
            {
                var now = clock.GetUtcNow();
                var trained = await source.ActiveTrainedAt(cancellation);
                return reading with
                {
                    Models = trained.OrderBy(m => m.Key, StringComparer.Ordinal)
                        .Select(m => new ModelAgeReading(m.Key, Math.Round((now - m.Value).TotalSeconds))).ToList(),
                };
            });
        return reading;
    }

    private async Task<OperationsReading> Part(OperationsReading reading, Func<Task<OperationsReading>> read)
    {
        try
        {
            return await read();
        }
        catch (Exception e) when (e is NpgsqlException or PostgresException or InvalidOperationException)
        {
            logger.LogDebug(e, "A part of the operational figures could not be read");
            return reading;
        }
    }
}
