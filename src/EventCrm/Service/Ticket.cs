namespace EventCrm.Service;

public enum TicketStatus { Open, WaitingOnCustomer, Resolved, Closed }

/// <summary>A ticket as its commands and its SLA checks need it.</summary>
public sealed class Ticket
{
    public Guid Id { get; set; }
    public int Version { get; set; }
    public Guid CustomerId { get; set; }
    public TicketStatus Status { get; set; }
    public TicketPriority Priority { get; set; }
    public string? Assignee { get; set; }
    public string? Queue { get; set; }
    public DateTimeOffset OpenedAt { get; set; }
    public SlaPolicy Sla { get; set; } = new(TimeSpan.Zero, TimeSpan.Zero, null);
    public List<SlaPause> Pauses { get; set; } = [];
    public DateTimeOffset? FirstResponseAt { get; set; }
    public DateTimeOffset? ResolvedAt { get; set; }
    public List<SlaTarget> Breached { get; set; } = [];
    public int? Satisfaction { get; set; }

    public bool IsActive => Status is TicketStatus.Open or TicketStatus.WaitingOnCustomer;

    /// <summary>When the target is due on the SLA clock; null once met, or while the clock is paused.</summary>
    public DateTimeOffset? DueAt(SlaTarget target) => target switch
    {
        SlaTarget.FirstResponse when FirstResponseAt is null =>
            SlaClock.DueAt(OpenedAt, Sla.FirstResponseWithin, Pauses, Sla.BusinessHours),
        SlaTarget.Resolution when IsActive =>
            SlaClock.DueAt(OpenedAt, Sla.ResolutionWithin, Pauses, Sla.BusinessHours),
        _ => null,
    };

    /// <summary>
    /// The ticket as it will be after <paramref name="events"/>, without touching this instance (Marten keeps
    /// aggregates in an identity map): what the SLA schedule is worked out from.
    /// </summary>
    public Ticket After(IEnumerable<object> events)
    {
        var next = (Ticket)MemberwiseClone();
        next.Pauses = [.. Pauses];
        next.Breached = [.. Breached];
        foreach (var e in events)
        {
            switch (e)
            {
                case TicketAssigned x: next.Apply(x); break;
                case TicketCommented x: next.Apply(x); break;
                case TicketPriorityChanged x: next.Apply(x); break;
                case TicketWaitingOnCustomer x: next.Apply(x); break;
                case TicketResumed x: next.Apply(x); break;
                case TicketResolved x: next.Apply(x); break;
                case TicketReopened x: next.Apply(x); break;
                case TicketClosed x: next.Apply(x); break;
                case SatisfactionRecorded x: next.Apply(x); break;
                case SlaBreached x: next.Apply(x); break;
                case TicketEscalated x: next.Apply(x); break;
            }
        }
        return next;
    }

    public static Ticket Create(TicketOpened opened) => new()
    {
        CustomerId = opened.CustomerId,
        Priority = opened.Priority,
        Sla = opened.Sla,
        OpenedAt = opened.OpenedAt,
    };

    public void Apply(TicketAssigned assigned) => Assignee = assigned.Assignee;

    public void Apply(TicketCommented commented)
    {
        if (commented.Public) FirstResponseAt ??= commented.At;
    }

    public void Apply(TicketPriorityChanged changed)
    {
        Priority = changed.To;
        Sla = changed.Sla;
    }

    public void Apply(TicketWaitingOnCustomer waiting)
    {
        Status = TicketStatus.WaitingOnCustomer;
        Pauses.Add(new SlaPause(waiting.At, null));
    }

    public void Apply(TicketResumed resumed)
    {
        Status = TicketStatus.Open;
        Pauses[^1] = Pauses[^1] with { To = resumed.At };
    }

    /// <summary>While resolved the clock stands too: a reopened ticket continues where it stopped.</summary>
    public void Apply(TicketResolved resolved)
    {
        if (Status == TicketStatus.WaitingOnCustomer) Pauses[^1] = Pauses[^1] with { To = resolved.At };
        Pauses.Add(new SlaPause(resolved.At, null));
        Status = TicketStatus.Resolved;
        ResolvedAt = resolved.At;
        FirstResponseAt ??= resolved.At; // a resolution answers the customer
    }

    public void Apply(TicketReopened reopened)
    {
        Pauses[^1] = Pauses[^1] with { To = reopened.At };
        Status = TicketStatus.Open;
        ResolvedAt = null;
    }

    public void Apply(TicketClosed _) => Status = TicketStatus.Closed;

    public void Apply(SatisfactionRecorded recorded) => Satisfaction = recorded.Score;

    public void Apply(SlaBreached breached) => Breached.Add(breached.Target);

    public void Apply(TicketEscalated escalated)
    {
        Priority = escalated.To;
        Sla = escalated.Sla;
        Queue = escalated.Queue ?? Queue;
    }
}
