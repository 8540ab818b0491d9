using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Service;

public record ResolveTicket(int Version, string Resolution);

public static class ResolveTicketEndpoint
{
    public static ProblemDetails Validate(ResolveTicket command, Ticket ticket) =>
        new FieldErrors().RequireExpectedVersion(command.Version)
            .RequireMultilineText("resolution", command.Resolution, TicketChecks.MaxTextLength)
            .ForTicketCommand(command.Version, ticket, "resolve", TicketChecks.Active);

    [WolverinePost("/api/tickets/{ticketId}/resolve", OperationId = "ResolveTicket", Summary = "Resolve a ticket, saying how")]
    [Authorize(Policy = Policies.ServiceWrite)]
    [Tags("Tickets")]
    public static (VersionResponse, Events) Post(ResolveTicket command, [Target] Ticket ticket, TimeProvider clock) =>
        (new VersionResponse(ticket.Version + 1), [new TicketResolved(command.Resolution.Trim(), clock.GetUtcNow())]);
}
