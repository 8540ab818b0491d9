namespace EventCrm.Sales;

/// <summary>An activity (or task) as its commands need it.</summary>
public sealed class Activity
{
    public Guid Id { get; set; }
    public int Version { get; set; }
    public ActivityKind Kind { get; set; }
    public string Owner { get; set; } = "";
    public DateTimeOffset? DueAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }

    public static Activity Create(ActivityLogged logged) => new()
    {
        Kind = logged.Kind,
        Owner = logged.Owner,
        DueAt = logged.DueAt,
    };

    public void Apply(TaskCompleted completed) => CompletedAt = completed.At;
}
