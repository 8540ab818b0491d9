using System.Security.Claims;
using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Sales;

/// <summary>The deal is won, at <c>amount</c> if the final figure differs from the opportunity's.</summary>
public record WinOpportunity(int Version, decimal? Amount = null);

public static class WinOpportunityEndpoint
{
    public static ProblemDetails Validate(WinOpportunity command, Opportunity opportunity, ClaimsPrincipal user)
    {
        var errors = new FieldErrors().RequireExpectedVersion(command.Version);
        if (command.Amount is { } amount) errors.CheckAmount("amount", amount);
        return Problems.FirstOf(
            errors.ForOpportunityCommand(command.Version, opportunity, user),
            OpportunityChecks.RefuseIfClosed(opportunity, "win it"),
            Stages.Winnable.Contains(opportunity.Stage)
                ? Problems.None
                : Problems.RuleViolation("The opportunity is not ready to be won.",
                    $"An opportunity is won from {string.Join(" or ", Stages.Winnable)}; this one is in {opportunity.Stage}."));
    }

    [WolverinePost("/api/opportunities/{opportunityId}/win", OperationId = "WinOpportunity", Summary = "Win an opportunity",
        Description = "From Proposal or Negotiation. The customer's purchase is recorded from it (a message, moments later). A won opportunity is final.")]
    [Authorize(Policy = Policies.SalesWrite)]
    [Tags("Opportunities")]
    public static (VersionResponse, Events, OutgoingMessages) Post(WinOpportunity command, [Target] Opportunity opportunity,
        SalesRules rules, TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        var amount = command.Amount ?? opportunity.Amount;
        return (new VersionResponse(opportunity.Version + 1),
            [new OpportunityWon(opportunity.Stage, amount, opportunity.Currency, now)],
            [new RecordOpportunityPurchase(opportunity.CustomerId, opportunity.Id, amount, opportunity.Currency,
                opportunity.Title, rules.WonOpportunityCategory, now)]);
    }
}
