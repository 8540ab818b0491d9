using System.Security.Claims;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Sales;

public record MoveOpportunityStage(int Version, OpportunityStage? Stage);

public static class MoveOpportunityStageEndpoint
{
    public static ProblemDetails Validate(MoveOpportunityStage command, Opportunity opportunity, ClaimsPrincipal user)
    {
        var errors = new FieldErrors().RequireExpectedVersion(command.Version);
        if (command.Stage is null)
            errors.Add("stage", "'stage' is required: prospecting, qualification, proposal or negotiation.");
        return Problems.FirstOf(
            errors.ForOpportunityCommand(command.Version, opportunity, user),
            OpportunityChecks.RefuseIfClosed(opportunity, "move it"),
            command.Stage is { } stage ? Stages.CheckMove(opportunity.Stage, stage) : Problems.None);
    }

    [WolverinePost("/api/opportunities/{opportunityId}/stage", OperationId = "MoveOpportunityStage", Summary = "Move an opportunity to another stage",
        Description = "One stage forward, or one back: Prospecting -> Qualification -> Proposal -> Negotiation. Other moves are 422; use /win and /lose to close.")]
    [Authorize(Policy = Policies.SalesWrite)]
    [Tags("Opportunities")]
    public static (VersionResponse, Events) Post(MoveOpportunityStage command, [Target] Opportunity opportunity,
        TimeProvider clock) =>
        command.Stage == opportunity.Stage
            ? (new VersionResponse(opportunity.Version), [])
            : (new VersionResponse(opportunity.Version + 1),
                [new OpportunityStageChanged(opportunity.Stage, command.Stage!.Value, clock.GetUtcNow())]);
}
