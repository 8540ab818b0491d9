using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Service;

public record ReopenTicket(int Version, string? Reason = null);

/// <summary>A resolved ticket is worked on again; its resolution clock continues where it stopped.</summary>
public static class ReopenTicketEndpoint
{
    public const int MaxReasonLength = 500;

    public static ProblemDetails Validate(ReopenTicket command, Ticket ticket) =>
        new FieldErrors().RequireExpectedVersion(command.Version)
            .OptionalText("reason", command.Reason, MaxReasonLength)
            .ForTicketCommand(command.Version, ticket, "reopen", TicketStatus.Resolved);

    [WolverinePost("/api/tickets/{ticketId}/reopen", OperationId = "ReopenTicket", Summary = "Reopen a resolved ticket")]
    [Authorize(Policy = Policies.ServiceWrite)]
    [Tags("Tickets")]
    public static (VersionResponse, Events, OutgoingMessages) Post(ReopenTicket command, [Target] Ticket ticket, TimeProvider clock)
    {
        var reopened = new TicketReopened(string.IsNullOrWhiteSpace(command.Reason) ? null : command.Reason.Trim(), clock.GetUtcNow());
        return (new VersionResponse(ticket.Version + 1), [reopened], SlaSchedule.ChecksFor(ticket.After([reopened])));
    }
}
