using System.Diagnostics.Metrics;

namespace EventCrm.Infrastructure.Observability;

/// <summary>
/// The application's own instruments (meter <c>EventCrm</c>). Commands are measured as they happen; the figures
/// kept in the database (projection lag, queue depths, model age) are observed from the last
/// reading of the operations sampler, which is the same on every node.
/// </summary>
public sealed class CrmMetrics
{
    public const string MeterName = "EventCrm";

    private readonly Histogram<double> _commands;
    private volatile OperationsReading _reading = OperationsReading.None;

    public CrmMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _commands = meter.CreateHistogram<double>("eventcrm.command.duration", "s",
            "Time to handle a command over HTTP, by command and status; its count is the number of commands.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

        meter.CreateObservableGauge("eventcrm.projection.lag.events",
            () => _reading.Projections.Select(p => new Measurement<long>(p.Events, Tag("projection", p.Name))),
            "{event}", "Events appended that an asynchronous projection or subscription has not processed yet.");
        meter.CreateObservableGauge("eventcrm.projection.lag.seconds",
            () => _reading.Projections.Select(p => new Measurement<double>(p.Seconds, Tag("projection", p.Name))),
            "s", "Age of the oldest event an asynchronous projection or subscription has not processed yet (0 when caught up).");
        meter.CreateObservableGauge("eventcrm.events.sequence", () => Single(_reading.LastSequence),
            "{event}", "Sequence number of the last event appended (the store's high-water mark).");
        meter.CreateObservableGauge("eventcrm.outbox.depth", () => Single(_reading.Outbox),
            "{message}", "Messages committed to the durable outbox and not yet delivered.");
        meter.CreateObservableGauge("eventcrm.inbox.depth", () => Single(_reading.Inbox),
            "{message}", "Messages received into the durable inbox and not yet handled.");
        meter.CreateObservableGauge("eventcrm.scheduled.depth", () => Single(_reading.Scheduled),
            "{message}", "Messages scheduled for later (SLA checks among them).");
        meter.CreateObservableGauge("eventcrm.dead_letters", () => Single(_reading.DeadLetters),
            "{message}", "Messages that failed every retry and wait in the dead-letter table.");
        meter.CreateObservableGauge("eventcrm.jobs.enqueued", () => Single(_reading.JobsEnqueued),
            "{job}", "Background jobs waiting in the queues for a worker.");
        meter.CreateObservableGauge("eventcrm.jobs.processing", () => Single(_reading.JobsProcessing),
            "{job}", "Background jobs running now.");
        meter.CreateObservableGauge("eventcrm.jobs.failed", () => Single(_reading.JobsFailed),
            "{job}", "Background jobs that failed every retry and are left in the failed state.");
        meter.CreateObservableGauge("eventcrm.jobs.servers", () => Single(_reading.JobServers),
            "{server}", "Background job servers alive in the cluster (one per node that runs jobs).");
        meter.CreateObservableGauge("eventcrm.model.age",
            () => _reading.Models.Select(m => new Measurement<double>(m.Seconds, Tag("model", m.Name))),
            "s", "Time since the active version of a model was trained.");
        meter.CreateObservableGauge("eventcrm.sample.age",
            () => _reading.At is null ? [] : new[] { new Measurement<double>(_reading.Age.TotalSeconds) },
            "s", "Time since the figures above were last read from the database; grows while the database is away.");
    }

    public OperationsReading Reading => _reading;

    internal void Observed(OperationsReading reading) => _reading = reading;

    internal void CommandHandled(string command, int status, TimeSpan duration) =>
        _commands.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("command", command),
            new KeyValuePair<string, object?>("status", status));

    private static KeyValuePair<string, object?> Tag(string name, string value) => new(name, value);

    private IEnumerable<Measurement<long>> Single(long? value) =>
        value is { } known ? [new Measurement<long>(known)] : [];
}

public sealed record ProjectionLagReading(string Name, long Events, double Seconds);

public sealed record ModelAgeReading(string Name, double Seconds);

/// <summary>One reading of the figures kept in the database; null where that part could not be read.</summary>
public sealed record OperationsReading(
    DateTimeOffset? At,
    IReadOnlyList<ProjectionLagReading> Projections,
    long? LastSequence,
    long? Outbox,
    long? Inbox,
    long? Scheduled,
    long? DeadLetters,
    long? JobsEnqueued,
    long? JobsProcessing,
    long? JobsFailed,
    long? JobServers,
    IReadOnlyList<ModelAgeReading> Models)
{
    public static readonly OperationsReading None = new(null, [], null, null, null, null, null, null, null, null, null, []);

    public TimeSpan Age => At is { } at ? DateTimeOffset.UtcNow - at : TimeSpan.Zero;
}
