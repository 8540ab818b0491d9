using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Sales;

public record QualifyLead(int Version);

public static class QualifyLeadEndpoint
{
    public static ProblemDetails Validate(QualifyLead command, Lead lead) =>
        new FieldErrors().RequireExpectedVersion(command.Version).ForLeadCommand(command.Version, lead,
            LeadStatus.New);

    [WolverinePost("/api/leads/{leadId}/qualify", OperationId = "QualifyLead", Summary = "Mark a new lead as qualified")]
    [Authorize(Policy = Policies.SalesWrite)]
    [Tags("Leads")]
    public static (VersionResponse, Events) Post(QualifyLead command, [Target] Lead lead, TimeProvider clock) =>
        (new VersionResponse(lead.Version + 1), [new LeadQualified(clock.GetUtcNow())]);
}

public static class LeadChecks
{
    /// <summary>400 for bad fields, 409 for a stale version, 422 unless the lead is in one of <paramref name="allowed"/>.</summary>
    public static ProblemDetails ForLeadCommand(this FieldErrors errors, int expectedVersion, Lead lead,
        params LeadStatus[] allowed)
    {
        if (errors.Any) return errors.ToProblem();
        var stale = ExpectedVersion.Check(expectedVersion, lead.Version);
        if (stale != Problems.None) return stale;
        return allowed.Contains(lead.Status)
            ? Problems.None
            : Problems.RuleViolation($"The lead is {lead.Status.ToString().ToLowerInvariant()}.",
                $"This is possible only for a lead that is {string.Join(" or ", allowed.Select(s => s.ToString().ToLowerInvariant()))}.");
    }
}
