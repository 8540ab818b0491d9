using System.Security.Claims;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Sales;

public record LoseOpportunity(int Version, string Reason);

public static class LoseOpportunityEndpoint
{
    public const int MaxReasonLength = 500;

    public static ProblemDetails Validate(LoseOpportunity command, Opportunity opportunity, ClaimsPrincipal user) =>
        Problems.FirstOf(
            new FieldErrors().RequireExpectedVersion(command.Version).RequireText("reason", command.Reason, MaxReasonLength)
                .ForOpportunityCommand(command.Version, opportunity, user),
            OpportunityChecks.RefuseIfClosed(opportunity, "lose it"));

    [WolverinePost("/api/opportunities/{opportunityId}/lose", OperationId = "LoseOpportunity", Summary = "Lose an opportunity, saying why")]
    [Authorize(Policy = Policies.SalesWrite)]
    [Tags("Opportunities")]
    public static (VersionResponse, Events) Post(LoseOpportunity command, [Target] Opportunity opportunity, TimeProvider clock) =>
        (new VersionResponse(opportunity.Version + 1),
            [new OpportunityLost(opportunity.Stage, command.Reason.Trim(), clock.GetUtcNow())]);
}
