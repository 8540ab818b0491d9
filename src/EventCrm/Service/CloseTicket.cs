using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Service;

public record CloseTicket(int Version);

public static class CloseTicketEndpoint
{
    public static ProblemDetails Validate(CloseTicket command, Ticket ticket) =>
        new FieldErrors().RequireExpectedVersion(command.Version)
            .ForTicketCommand(command.Version, ticket, "close", TicketStatus.Resolved);

    [WolverinePost("/api/tickets/{ticketId}/close", OperationId = "CloseTicket", Summary = "Close a resolved ticket")]
    [Authorize(Policy = Policies.ServiceWrite)]
    [Tags("Tickets")]
    public static (VersionResponse, Events) Post(CloseTicket command, [Target] Ticket ticket, TimeProvider clock) =>
        (new VersionResponse(ticket.Version + 1), [new TicketClosed(clock.GetUtcNow())]);
}
