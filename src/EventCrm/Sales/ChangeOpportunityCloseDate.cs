using System.Security.Claims;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Sales;

public record ChangeOpportunityCloseDate(int Version, DateOnly ExpectedCloseDate);

public static class ChangeOpportunityCloseDateEndpoint
{
    public static ProblemDetails Validate(ChangeOpportunityCloseDate command, Opportunity opportunity, ClaimsPrincipal user,
        TimeProvider clock) =>
        Problems.FirstOf(
            new FieldErrors().RequireExpectedVersion(command.Version)
                .CheckCloseDate("expectedCloseDate", command.ExpectedCloseDate, clock)
                .ForOpportunityCommand(command.Version, opportunity, user),
            OpportunityChecks.RefuseIfClosed(opportunity, "change its close date"));

    [WolverinePost("/api/opportunities/{opportunityId}/close-date", OperationId = "ChangeOpportunityCloseDate", Summary = "Change an open opportunity's expected close date")]
    [Authorize(Policy = Policies.SalesWrite)]
    [Tags("Opportunities")]
    public static (VersionResponse, Events) Post(ChangeOpportunityCloseDate command, [Target] Opportunity opportunity,
        TimeProvider clock) =>
        command.ExpectedCloseDate == opportunity.ExpectedCloseDate
            ? (new VersionResponse(opportunity.Version), [])
            : (new VersionResponse(opportunity.Version + 1),
                [new OpportunityCloseDateChanged(command.ExpectedCloseDate, clock.GetUtcNow())]);
}
