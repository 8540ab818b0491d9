namespace EventCrm.Infrastructure.Idempotency;

/// <summary>
/// One <c>Idempotency-Key</c> a user has sent: the request it was first used with and, once that request has
/// finished, the response every retry gets back.
/// </summary>
public sealed class IdempotencyRecord
{
    /// <summary>Hash of user and key: fixed length whatever the key, and one row per user and key.</summary>
    public string Id { get; set; } = "";
    public string User { get; set; } = "";
    public string Key { get; set; } = "";
    public string RequestHash { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public bool Completed { get; set; }
    public int StatusCode { get; set; }
    public string? ContentType { get; set; }
    public string? Location { get; set; }
    public byte[]? Body { get; set; }
}

public sealed class IdempotencyOptions
{
    public const string Section = "Idempotency";
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);
}
