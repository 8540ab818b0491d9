using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Service;

public record ResumeTicket(int Version);

public static class ResumeTicketEndpoint
{
    public static ProblemDetails Validate(ResumeTicket command, Ticket ticket) =>
        new FieldErrors().RequireExpectedVersion(command.Version)
            .ForTicketCommand(command.Version, ticket, "resume", TicketStatus.WaitingOnCustomer);

    [WolverinePost("/api/tickets/{ticketId}/resume", OperationId = "ResumeTicket", Summary = "Resume work on a ticket (the SLA clock runs again)")]
    [Authorize(Policy = Policies.ServiceWrite)]
    [Tags("Tickets")]
    public static (VersionResponse, Events, OutgoingMessages) Post(ResumeTicket command, [Target] Ticket ticket, TimeProvider clock) =>
        Scheduled(ticket, new TicketResumed(clock.GetUtcNow()));

    private static (VersionResponse, Events, OutgoingMessages) Scheduled(Ticket ticket, object e) =>
        (new VersionResponse(ticket.Version + 1), [e], SlaSchedule.ChecksFor(ticket.After([e])));
}
