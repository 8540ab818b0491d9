using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Service;

/// <summary>How satisfied the customer was, 1 (not at all) to 5 (very), once the ticket is resolved.</summary>
public record RecordSatisfaction(int Version, int Score, string? Comment = null);

public static class RecordSatisfactionEndpoint
{
    public const int MaxCommentLength = 2000;

    public static ProblemDetails Validate(RecordSatisfaction command, Ticket ticket)
    {
        var errors = new FieldErrors().RequireExpectedVersion(command.Version)
            .OptionalMultilineText("comment", command.Comment, MaxCommentLength);
        if (command.Score is < 1 or > 5) errors.Add("score", "'score' is 1 (not at all satisfied) to 5 (very satisfied).");
        return Problems.FirstOf(
            errors.ForTicketCommand(command.Version, ticket, "record satisfaction for", TicketStatus.Resolved, TicketStatus.Closed),
            ticket.Satisfaction is { } given
                ? Problems.RuleViolation("Satisfaction was already recorded.", $"The customer gave {given}.")
                : Problems.None);
    }

    [WolverinePost("/api/tickets/{ticketId}/satisfaction", OperationId = "RecordSatisfaction", Summary = "Record the customer's satisfaction")]
    [Authorize(Policy = Policies.ServiceWrite)]
    [Tags("Tickets")]
    public static (VersionResponse, Events) Post(RecordSatisfaction command, [Target] Ticket ticket, TimeProvider clock) =>
        (new VersionResponse(ticket.Version + 1),
            [new SatisfactionRecorded(command.Score, string.IsNullOrWhiteSpace(command.Comment) ? null : command.Comment.Trim(), clock.GetUtcNow())]);
}
