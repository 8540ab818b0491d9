using System.Security.Claims;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Sales;

public record ChangeOpportunityAmount(int Version, decimal Amount);

public static class ChangeOpportunityAmountEndpoint
{
    public static ProblemDetails Validate(ChangeOpportunityAmount command, Opportunity opportunity, ClaimsPrincipal user) =>
        Problems.FirstOf(
            new FieldErrors().RequireExpectedVersion(command.Version).CheckAmount("amount", command.Amount)
                .ForOpportunityCommand(command.Version, opportunity, user),
            OpportunityChecks.RefuseIfClosed(opportunity, "change its amount"));

    [WolverinePost("/api/opportunities/{opportunityId}/amount", OperationId = "ChangeOpportunityAmount", Summary = "Change an open opportunity's amount")]
    [Authorize(Policy = Policies.SalesWrite)]
    [Tags("Opportunities")]
    public static (VersionResponse, Events) Post(ChangeOpportunityAmount command, [Target] Opportunity opportunity,
        TimeProvider clock) =>
        command.Amount == opportunity.Amount
            ? (new VersionResponse(opportunity.Version), [])
            : (new VersionResponse(opportunity.Version + 1), [new OpportunityAmountChanged(command.Amount, clock.GetUtcNow())]);
}
