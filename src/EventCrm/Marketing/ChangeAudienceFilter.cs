using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Marketing;

public record ChangeAudienceFilter(int Version, AudienceFilter? Filter);

/// <summary>The new filter in stored form, and what is wrong with it.</summary>
public sealed record FilterChange(AudienceFilter? Filter, ProblemDetails Problem);

public static class AudienceChecks
{
    /// <summary>400 for bad fields, 409 for a stale version, 422 for an archived audience or one of the wrong kind.</summary>
    public static ProblemDetails ForCommand(this FieldErrors errors, int version, Audience audience, AudienceKind kind, string action)
    {
        if (errors.Any) return errors.ToProblem();
        var stale = ExpectedVersion.Check(version, audience.Version);
        if (stale != Problems.None) return stale;
        if (audience.Archived)
            return Problems.RuleViolation("The audience is archived.", $"Audience {audience.Id} is archived and changes no more.");
        return audience.Kind == kind
            ? Problems.None
            : Problems.RuleViolation($"Only a {kind.ToString().ToLowerInvariant()} audience can {action}.",
                $"Audience {audience.Id} is {audience.Kind.ToString().ToLowerInvariant()}.");
    }
}

public static class ChangeAudienceFilterEndpoint
{
    public static FilterChange Load(ChangeAudienceFilter command)
    {
        var errors = new FieldErrors().RequireExpectedVersion(command.Version);
        var filter = AudienceFilter.Clean(command.Filter, errors);
        return new FilterChange(filter, errors.ToProblem());
    }

    public static ProblemDetails Validate(ChangeAudienceFilter command, FilterChange change, Audience audience) =>
        change.Problem != Problems.None
            ? change.Problem
            : new FieldErrors().ForCommand(command.Version, audience, AudienceKind.Dynamic, "have its filter changed");

    [WolverinePost("/api/marketing/audiences/{audienceId}/filter", OperationId = "ChangeAudienceFilter",
        Summary = "Change a dynamic audience's filter", Description = "Every customer is looked at again in the background.")]
    [Authorize(Policy = Policies.MarketingWrite)]
    [Tags("Marketing")]
    public static (VersionResponse, Events) Post(ChangeAudienceFilter command, FilterChange change, [Target] Audience audience,
        TimeProvider clock) =>
        (new VersionResponse(audience.Version + 1), [new AudienceFilterChanged(change.Filter!, clock.GetUtcNow())]);
}

public record ArchiveAudience(int Version);

public static class ArchiveAudienceEndpoint
{
    public static ProblemDetails Validate(ArchiveAudience command, Audience audience) =>
        new FieldErrors().RequireExpectedVersion(command.Version).ForCommand(command.Version, audience, audience.Kind, "be archived");

    [WolverinePost("/api/marketing/audiences/{audienceId}/archive", OperationId = "ArchiveAudience",
        Summary = "Archive an audience", Description = "It keeps its members and their history but follows no more changes.")]
    [Authorize(Policy = Policies.MarketingWrite)]
    [Tags("Marketing")]
    public static (VersionResponse, Events) Post(ArchiveAudience command, [Target] Audience audience, TimeProvider clock) =>
        (new VersionResponse(audience.Version + 1), [new AudienceArchived(clock.GetUtcNow())]);
}
