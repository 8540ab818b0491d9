using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Service;

public record WaitOnCustomer(int Version);

public static class WaitOnCustomerEndpoint
{
    public static ProblemDetails Validate(WaitOnCustomer command, Ticket ticket) =>
        new FieldErrors().RequireExpectedVersion(command.Version)
            .ForTicketCommand(command.Version, ticket, "wait on the customer for", TicketStatus.Open);

    [WolverinePost("/api/tickets/{ticketId}/wait", OperationId = "WaitOnCustomer", Summary = "Wait on the customer (the SLA clock stops)")]
    [Authorize(Policy = Policies.ServiceWrite)]
    [Tags("Tickets")]
    public static (VersionResponse, Events) Post(WaitOnCustomer command, [Target] Ticket ticket, TimeProvider clock) =>
        (new VersionResponse(ticket.Version + 1), [new TicketWaitingOnCustomer(clock.GetUtcNow())]);
}
