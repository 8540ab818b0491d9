using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Sales;

public record DisqualifyLead(int Version, string Reason);

public static class DisqualifyLeadEndpoint
{
    public const int MaxReasonLength = 500;

    public static ProblemDetails Validate(DisqualifyLead command, Lead lead) =>
        new FieldErrors()
            .RequireExpectedVersion(command.Version)
            .RequireText("reason", command.Reason, MaxReasonLength)
            .ForLeadCommand(command.Version, lead, LeadStatus.New, LeadStatus.Qualified);

    [WolverinePost("/api/leads/{leadId}/disqualify", OperationId = "DisqualifyLead", Summary = "Disqualify a lead, saying why")]
    [Authorize(Policy = Policies.SalesWrite)]
    [Tags("Leads")]
    public static (VersionResponse, Events) Post(DisqualifyLead command, [Target] Lead lead, TimeProvider clock) =>
        (new VersionResponse(lead.Version + 1), [new LeadDisqualified(command.Reason.Trim(), clock.GetUtcNow())]);
}
