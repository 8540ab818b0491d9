using System.Security.Claims;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Sales;

public record CompleteTask(int Version);

public static class CompleteTaskEndpoint
{
    public static ProblemDetails Validate(CompleteTask command, Activity activity, ClaimsPrincipal user)
    {
        var errors = new FieldErrors().RequireExpectedVersion(command.Version);
        if (errors.Any) return errors.ToProblem();
        return Problems.FirstOf(
            Ownership.Check(user, activity.Owner, "task"),
            ExpectedVersion.Check(command.Version, activity.Version),
            activity.Kind != ActivityKind.Task
                ? Problems.RuleViolation("Only a task is completed.", $"This activity is a {activity.Kind.ToString().ToLowerInvariant()}.")
                : activity.CompletedAt is not null
                    ? Problems.RuleViolation("The task is already done.", $"It was completed at {activity.CompletedAt:O}.")
                    : Problems.None);
    }

    [WolverinePost("/api/activities/{activityId}/complete", OperationId = "CompleteTask", Summary = "Mark a task as done")]
    [Authorize(Policy = Policies.SalesWrite)]
    [Tags("Activities")]
    public static (VersionResponse, Events) Post(CompleteTask command, [Target] Activity activity, TimeProvider clock) =>
        (new VersionResponse(activity.Version + 1), [new TaskCompleted(clock.GetUtcNow())]);
}
