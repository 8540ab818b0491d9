using Wolverine;
using Wolverine.Marten;

namespace EventCrm.Service;

/// <summary>
/// Scheduled for the moment a promised time falls due. Durable: kept in PostgreSQL by Wolverine, so it fires
/// after a restart too, on whichever node is running then.
/// </summary>
public record CheckTicketSla(Guid TicketId, SlaTarget Target);

public static class SlaSchedule
{
    /// <summary>A check at each promise the ticket has not yet kept or broken.</summary>
    public static OutgoingMessages ChecksFor(Ticket ticket)
    {
        var messages = new OutgoingMessages();
        foreach (var target in Enum.GetValues<SlaTarget>())
        {
            if (ticket.Breached.Contains(target)) continue;
            if (ticket.DueAt(target) is { } due) messages.Add(new CheckTicketSla(ticket.Id, target).ScheduledAt(due));
        }
        return messages;
    }
}

/// <summary>
/// At a due time: if the promise was kept (or the clock is paused) nothing happens; if the due time moved
/// later (a pause, a priority change) the check is scheduled again; otherwise the breach is recorded and the
/// ticket escalated, once per promise.
/// </summary>
public static class CheckTicketSlaHandler
{
    [AggregateHandler]
    public static (Events, OutgoingMessages) Handle(CheckTicketSla check, Ticket ticket, ServiceRules rules, TimeProvider clock)
    {
        if (ticket.Breached.Contains(check.Target) || ticket.DueAt(check.Target) is not { } due) return ([], []);

        var now = clock.GetUtcNow();
        if (now < due) return ([], [check.ScheduledAt(due)]);

        var events = new Events { new SlaBreached(check.Target, due, now) };
        var raised = rules.EscalationRaisesPriority && ticket.Priority < TicketPriority.Urgent
            ? ticket.Priority + 1
            : ticket.Priority;
        if (raised != ticket.Priority || rules.EscalationQueue is not null)
            events.Add(new TicketEscalated(ticket.Priority, raised, rules.EscalationQueue,
                raised == ticket.Priority ? ticket.Sla : rules.PolicyFor(raised) with { BusinessHours = ticket.Sla.BusinessHours }, now));

        return (events, SlaSchedule.ChecksFor(ticket.After(events)));
    }
}
