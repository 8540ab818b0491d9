namespace EventCrm.Sales;

/// <summary>An activity (or task) as its commands need it, folded from its stream.</summary>
public sealed record Activity
{
    public Guid Id { get; init; }
    public int Version { get; init; }
    public ActivityKind Kind { get; init; }
    public string Owner { get; init; } = "";
    public DateTimeOffset? DueAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }

    public static Activity Create(ActivityLogged logged) => new()
    {
        Kind = logged.Kind,
        Owner = logged.Owner,
        DueAt = logged.DueAt,
    };

    public Activity Apply(TaskCompleted completed) => this with { CompletedAt = completed.At };
}
