using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Service;

public record ChangeTicketPriority(int Version, TicketPriority? Priority);

/// <summary>A new priority brings that priority's SLA targets, counted from the ticket's opening.</summary>
public static class ChangeTicketPriorityEndpoint
{
    public static ProblemDetails Validate(ChangeTicketPriority command, Ticket ticket)
    {
        var errors = new FieldErrors().RequireExpectedVersion(command.Version);
        if (command.Priority is null) errors.Add("priority", "'priority' is required: low, normal, high or urgent.");
        return errors.ForTicketCommand(command.Version, ticket, "change the priority of", TicketChecks.Active);
    }

    [WolverinePost("/api/tickets/{ticketId}/priority", OperationId = "ChangeTicketPriority", Summary = "Change a ticket's priority")]
    [Authorize(Policy = Policies.ServiceWrite)]
    [Tags("Tickets")]
    public static (VersionResponse, Events, OutgoingMessages) Post(ChangeTicketPriority command, [Target] Ticket ticket,
        ServiceRules rules, TimeProvider clock)
    {
        var priority = command.Priority!.Value;
        if (priority == ticket.Priority) return (new VersionResponse(ticket.Version), [], []);

        var changed = new TicketPriorityChanged(ticket.Priority, priority,
            rules.PolicyFor(priority) with { BusinessHours = ticket.Sla.BusinessHours }, clock.GetUtcNow());
        return (new VersionResponse(ticket.Version + 1), [changed], SlaSchedule.ChecksFor(ticket.After([changed])));
    }
}
