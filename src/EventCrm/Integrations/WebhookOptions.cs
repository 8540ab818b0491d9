namespace EventCrm.Integrations;

/// <summary>How webhooks are delivered (configuration section <c>Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>Whether this node delivers webhooks (one node of a cluster does at a time, whichever holds the lock).</summary>
    public bool Deliver { get; set; } = true;

    /// <summary>Attempts at one event before it is dead-lettered and its subscription paused.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>The wait after the first failed attempt; each further failure doubles it (with jitter), up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long one delivery may take, connection included.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often an idle subscription looks for new events.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long the previous secret still signs deliveries after a rotation.</summary>
    public TimeSpan SecretOverlap { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Deliveries to plain http: (null) only in Development.</summary>
    public bool? AllowHttp { get; set; }

    /// <summary>
    /// Deliveries to loopback, private, link-local and other non-public addresses: never, unless set (tests,
    /// a receiver on the same network on purpose).
    /// </summary>
    public bool AllowPrivateTargets { get; set; }
}
