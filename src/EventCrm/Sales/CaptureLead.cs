using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Sales;

public record CaptureLead(
    string Name,
    string Email,
    string? Phone = null,
    string? Company = null,
    string? Source = null,
    string? Message = null);

public record LeadCapturedResponse(Guid Id, int Version) : CreationResponse($"/api/leads/{Id}");

public static class CaptureLeadEndpoint
{
    public static ProblemDetails Validate(CaptureLead command, CustomerRules rules) =>
        new FieldErrors()
            .CheckLead(command.Name, command.Email, command.Phone, command.Company, command.Message, rules)
            .OptionalText("source", command.Source, LeadDetails.MaxSourceLength)
            .ToProblem();

    [WolverinePost("/api/leads", OperationId = "CaptureLead", Summary = "Capture a lead",
        Description = "A prospect entered by sales. 'source' says where it came from (default 'api').")]
    [Authorize(Policy = Policies.SalesWrite)]
    [Tags("Leads")]
    public static (LeadCapturedResponse, IStartStream) Post(CaptureLead command, CustomerRules rules, TimeProvider clock)
    {
        var id = Guid.CreateVersion7();
        var source = string.IsNullOrWhiteSpace(command.Source) ? "api" : Tags.Normalise(command.Source);
        var captured = LeadDetails.Captured(command.Name, command.Email, command.Phone, command.Company, source,
            null, null, command.Message, rules, clock.GetUtcNow());
        return (new LeadCapturedResponse(id, 1), MartenOps.StartStream<Lead>(id, captured));
    }
}
