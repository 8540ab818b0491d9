using System.Security.Claims;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Sales;

public record ReopenOpportunity(int Version);

/// <summary>
/// Works a lost opportunity again, in the stage it was lost from. A won one stays won: its purchase is on the
/// customer's record, and undoing a sale is a refund, not a reopened deal.
/// </summary>
public static class ReopenOpportunityEndpoint
{
    public static ProblemDetails Validate(ReopenOpportunity command, Opportunity opportunity, ClaimsPrincipal user) =>
        Problems.FirstOf(
            new FieldErrors().RequireExpectedVersion(command.Version).ForOpportunityCommand(command.Version, opportunity, user),
            opportunity.Stage switch
            {
                OpportunityStage.Lost => Problems.None,
                OpportunityStage.Won => Problems.RuleViolation("A won opportunity is final.",
                    "Its purchase is recorded on the customer; open a new opportunity instead."),
                _ => Problems.RuleViolation("The opportunity is open.", "Only a lost opportunity can be reopened."),
            });

    [WolverinePost("/api/opportunities/{opportunityId}/reopen", OperationId = "ReopenOpportunity", Summary = "Reopen a lost opportunity")]
    [Authorize(Policy = Policies.SalesWrite)]
    [Tags("Opportunities")]
    public static (VersionResponse, Events) Post(ReopenOpportunity command, [Target] Opportunity opportunity, TimeProvider clock) =>
        (new VersionResponse(opportunity.Version + 1),
            [new OpportunityReopened(opportunity.ClosedFrom ?? OpportunityStage.Prospecting, clock.GetUtcNow())]);
}
