using EventCrm.Infrastructure;

namespace EventCrm.Service;

public enum TicketStatus { Open, WaitingOnCustomer, Resolved, Closed }

/// <summary>
/// A ticket as its commands and its SLA checks need it, folded from its stream; every Apply returns the next
/// state and changes nothing.
/// </summary>
public sealed record Ticket
{
    public Guid Id { get; init; }
    public int Version { get; init; }
    public Guid CustomerId { get; init; }
    public TicketStatus Status { get; init; }
    public TicketPriority Priority { get; init; }
    public string? Assignee { get; init; }
    public string? Queue { get; init; }
    public DateTimeOffset OpenedAt { get; init; }
    public SlaPolicy Sla { get; init; } = new(TimeSpan.Zero, TimeSpan.Zero, null);
    public IReadOnlyList<SlaPause> Pauses { get; init; } = [];
    public DateTimeOffset? FirstResponseAt { get; init; }
    public DateTimeOffset? ResolvedAt { get; init; }
    public IReadOnlyList<SlaTarget> Breached { get; init; } = [];
    public int? Satisfaction { get; init; }

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

    /// <summary>The ticket as it will be after <paramref name="events"/>: what the SLA schedule is worked out from.</summary>
    public Ticket After(IEnumerable<object> events) => Fold<Ticket>.Apply(this, events);

    public static Ticket Create(TicketOpened opened) => new()
    {
        CustomerId = opened.CustomerId,
        Priority = opened.Priority,
        Sla = opened.Sla,
        OpenedAt = opened.OpenedAt,
    };

    public Ticket Apply(TicketAssigned assigned) => this with { Assignee = assigned.Assignee };

    public Ticket Apply(TicketCommented commented) =>
        commented.Public ? this with { FirstResponseAt = FirstResponseAt ?? commented.At } : this;

    public Ticket Apply(TicketPriorityChanged changed) => this with { Priority = changed.To, Sla = changed.Sla };

    public Ticket Apply(TicketWaitingOnCustomer waiting) =>
        this with { Status = TicketStatus.WaitingOnCustomer, Pauses = [.. Pauses, new SlaPause(waiting.At, null)] };

    public Ticket Apply(TicketResumed resumed) =>
        this with { Status = TicketStatus.Open, Pauses = EndLastPause(resumed.At) };

    /// <summary>While resolved the clock stands too: a reopened ticket continues where it stopped.</summary>
    public Ticket Apply(TicketResolved resolved) => this with
    {
        Pauses = [.. Status == TicketStatus.WaitingOnCustomer ? EndLastPause(resolved.At) : Pauses, new SlaPause(resolved.At, null)],
        Status = TicketStatus.Resolved,
        ResolvedAt = resolved.At,
        FirstResponseAt = FirstResponseAt ?? resolved.At, // a resolution answers the customer
    };

    public Ticket Apply(TicketReopened reopened) =>
        this with { Pauses = EndLastPause(reopened.At), Status = TicketStatus.Open, ResolvedAt = null };

    public Ticket Apply(TicketClosed _) => this with { Status = TicketStatus.Closed };

    public Ticket Apply(SatisfactionRecorded recorded) => this with { Satisfaction = recorded.Score };

    public Ticket Apply(SlaBreached breached) => this with { Breached = [.. Breached, breached.Target] };

    public Ticket Apply(TicketEscalated escalated) =>
        this with { Priority = escalated.To, Sla = escalated.Sla, Queue = escalated.Queue ?? Queue };

    private IReadOnlyList<SlaPause> EndLastPause(DateTimeOffset at) => [.. Pauses.SkipLast(1), Pauses[^1] with { To = at }];
}
