using System.Security.Cryptography;

namespace EventCrm.Integrations;

/// <summary>
/// A webhook subscription, as its owners manage it through the API: where to deliver, which event types, the
/// secrets that sign the deliveries, and the requests that the delivery lane acts on (pause, resume, replay). The lane
/// writes its own document (<see cref="WebhookProgress"/>), so that neither overwrites the other.
/// </summary>
public sealed class WebhookSubscription
{
    public Guid Id { get; set; }
    public string Url { get; set; } = "";
    /// <summary>Event types to deliver; empty for every type.</summary>
    public IReadOnlyList<string> EventTypes { get; set; } = [];
    public string? Description { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string CreatedBy { get; set; } = "";
    /// <summary>The cursor the subscription started after.</summary>
    public long StartAfter { get; set; }
    public bool Paused { get; set; }
    /// <summary>How many times it was resumed: the lane lifts a pause it imposed itself when this moves.</summary>
    public int Resumes { get; set; }
    public ReplayRequest? Replay { get; set; }
    /// <summary>The signing secrets, newest first; each signs until it expires.</summary>
    public List<WebhookSecret> Secrets { get; set; } = [];

    public IReadOnlyList<string> SigningSecrets(DateTimeOffset now) =>
        [.. Secrets.Where(secret => secret.ExpiresAt is null || secret.ExpiresAt > now).Select(secret => secret.Value)];

    /// <summary>A new secret in the Standard Webhooks form: whsec_ and 32 random bytes in base64.</summary>
    public static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
}

/// <summary>A signing secret; a rotated one keeps signing beside its successor until <see cref="ExpiresAt"/>.</summary>
public sealed record WebhookSecret(string Value, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt);

/// <summary>Deliver again everything after <see cref="FromCursor"/>; <see cref="Number"/> tells one request from the next.</summary>
public sealed record ReplayRequest(long FromCursor, int Number, DateTimeOffset RequestedAt);

/// <summary>
/// Where a subscription's delivery lane stands, written by the lane alone: the cursor of the last event the receiver
/// acknowledged, the event being retried, the pause it imposed after giving up, and the events it gave up on.
/// </summary>
public sealed class WebhookProgress
{
    public const int KeptDeadLetters = 20;

    public Guid Id { get; set; }
    public long Cursor { get; set; }
    public long Delivered { get; set; }
    public DateTimeOffset? LastDeliveredAt { get; set; }
    public int ReplaysApplied { get; set; }
    public int ResumesApplied { get; set; }
    public FailingDelivery? Failing { get; set; }
    /// <summary>Why the lane stopped delivering (the receiver kept failing, or said it is gone); null while it delivers.</summary>
    public string? HaltedBecause { get; set; }
    public DateTimeOffset? HaltedAt { get; set; }
    public List<DeadLetter> DeadLetters { get; set; } = [];
}

/// <summary>The event a lane is retrying: how often it failed, the last error, and when it tries again.</summary>
public sealed record FailingDelivery(string Cursor, Guid EventId, string Type, int Attempts, string LastError, DateTimeOffset LastAttemptAt,
    DateTimeOffset NextAttemptAt);

/// <summary>An event the lane gave up on after its attempts.</summary>
public sealed record DeadLetter(string Cursor, Guid EventId, string Type, int Attempts, string LastError, DateTimeOffset At);
