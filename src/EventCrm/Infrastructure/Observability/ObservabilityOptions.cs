namespace EventCrm.Infrastructure.Observability;

/// <summary><c>Observability:*</c> settings.</summary>
public sealed class ObservabilityOptions
{
    public const string Section = "Observability";

    /// <summary>How often the figures read from the database (lag, queues, model age) are sampled.</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary><c>/health/ready</c> reports Degraded when an asynchronous projection's oldest unprocessed event is older.</summary>
    public TimeSpan MaxProjectionLag { get; set; } = TimeSpan.FromMinutes(1);
}
