using System.Security.Claims;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Service;

/// <summary>A reply to the customer (<c>public: true</c>) or an internal note; the first reply is the first response.</summary>
public record CommentOnTicket(int Version, string Text, bool Public = false);

public record CommentedResponse(Guid CommentId, int Version);

public static class CommentOnTicketEndpoint
{
    public static ProblemDetails Validate(CommentOnTicket command, Ticket ticket) =>
        new FieldErrors().RequireExpectedVersion(command.Version)
            .RequireMultilineText("text", command.Text, TicketChecks.MaxTextLength)
            .ForTicketCommand(command.Version, ticket, "comment on",
                TicketStatus.Open, TicketStatus.WaitingOnCustomer, TicketStatus.Resolved);

    [WolverinePost("/api/tickets/{ticketId}/comments", OperationId = "CommentOnTicket", Summary = "Reply to the customer or add an internal note")]
    [Authorize(Policy = Policies.ServiceWrite)]
    [Tags("Tickets")]
    public static (CommentedResponse, Events) Post(CommentOnTicket command, [Target] Ticket ticket, ClaimsPrincipal user,
        TimeProvider clock)
    {
        var comment = new TicketCommented(Guid.CreateVersion7(), user.Identity?.Name ?? "", command.Text.Trim(),
            command.Public, clock.GetUtcNow());
        return (new CommentedResponse(comment.CommentId, ticket.Version + 1), [comment]);
    }
}
