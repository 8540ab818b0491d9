using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using Microsoft.AspNetCore.Mvc;

namespace EventCrm.Service;

public static class TicketChecks
{
    public const int MaxSubjectLength = 200;
    public const int MaxTextLength = 10_000;

    /// <summary>400 for bad fields, 409 for a stale version, 422 unless the ticket is in one of <paramref name="allowed"/>.</summary>
    public static ProblemDetails ForTicketCommand(this FieldErrors errors, int expectedVersion, Ticket ticket, string action,
        params TicketStatus[] allowed)
    {
        if (errors.Any) return errors.ToProblem();
        var stale = ExpectedVersion.Check(expectedVersion, ticket.Version);
        if (stale != Problems.None) return stale;
        return allowed.Contains(ticket.Status)
            ? Problems.None
            : Problems.RuleViolation($"The ticket is {Describe(ticket.Status)}.",
                $"You can {action} a ticket that is {string.Join(" or ", allowed.Select(Describe))}.");
    }

    public static string Describe(TicketStatus status) => status switch
    {
        TicketStatus.WaitingOnCustomer => "waiting on the customer",
        _ => status.ToString().ToLowerInvariant(),
    };

    public static readonly TicketStatus[] Active = [TicketStatus.Open, TicketStatus.WaitingOnCustomer];
}
