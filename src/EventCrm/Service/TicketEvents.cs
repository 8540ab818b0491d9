namespace EventCrm.Service;

// Facts of customer service. Stored as they are: never rename or reshape one; add a new event instead.

public record TicketOpened(
    Guid CustomerId,
    TicketKind Kind,
    string Subject,
    string Description,
    TicketPriority Priority,
    string Channel,
    SlaPolicy Sla,
    DateTimeOffset OpenedAt);

public record TicketAssigned(string Assignee, DateTimeOffset At);

/// <summary>A public reply to the customer, or an internal note. The first public reply is the first response.</summary>
public record TicketCommented(Guid CommentId, string Author, string Text, bool Public, DateTimeOffset At);

public record TicketPriorityChanged(TicketPriority From, TicketPriority To, SlaPolicy Sla, DateTimeOffset At);

public record TicketWaitingOnCustomer(DateTimeOffset At);

public record TicketResumed(DateTimeOffset At);

public record TicketResolved(string Resolution, DateTimeOffset At);

public record TicketReopened(string? Reason, DateTimeOffset At);

public record TicketClosed(DateTimeOffset At);

public record SatisfactionRecorded(int Score, string? Comment, DateTimeOffset At);

/// <summary>A promised time passed without the response or resolution it promised.</summary>
public record SlaBreached(SlaTarget Target, DateTimeOffset DueAt, DateTimeOffset At);

/// <summary>After a breach: the ticket's priority raised and/or moved to an escalation queue.</summary>
public record TicketEscalated(TicketPriority From, TicketPriority To, string? Queue, SlaPolicy Sla, DateTimeOffset At);
