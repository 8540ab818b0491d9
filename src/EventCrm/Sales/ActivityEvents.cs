namespace EventCrm.Sales;

// Facts about activities: calls, meetings, e-mails, notes and tasks, about a customer, lead or opportunity.
// Stored as they are: never rename or reshape one; add a new event instead.

public record ActivityLogged(
    ActivityKind Kind,
    string Subject,
    string? Notes,
    Regarding Regarding,
    string Owner,
    DateTimeOffset OccurredAt,
    DateTimeOffset? DueAt);

public record TaskCompleted(DateTimeOffset At);
