using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Service;

public record AssignTicket(int Version, string Assignee);

public static class AssignTicketEndpoint
{
    public static ProblemDetails Validate(AssignTicket command, Ticket ticket) =>
        new FieldErrors().RequireExpectedVersion(command.Version)
            .RequireText("assignee", command.Assignee, AssignOwnerEndpoint.MaxOwnerLength)
            .ForTicketCommand(command.Version, ticket, "assign", TicketChecks.Active);

    [WolverinePost("/api/tickets/{ticketId}/assign", OperationId = "AssignTicket", Summary = "Assign or reassign a ticket")]
    [Authorize(Policy = Policies.ServiceWrite)]
    [Tags("Tickets")]
    public static (VersionResponse, Events) Post(AssignTicket command, [Target] Ticket ticket, TimeProvider clock) =>
        command.Assignee.Trim() == ticket.Assignee
            ? (new VersionResponse(ticket.Version), [])
            : (new VersionResponse(ticket.Version + 1), [new TicketAssigned(command.Assignee.Trim(), clock.GetUtcNow())]);
}
