using System.Security.Cryptography;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Http.Marten;
using Wolverine.Marten;
using Wolverine.Persistence;

namespace EventCrm.Sales;

/// <summary>
/// A public web form that may send leads, identified by its key (which appears in the page, so it is an
/// identifier an admin can revoke, not a secret).
/// </summary>
public sealed class LeadForm
{
    /// <summary>The key, as in <c>POST /api/forms/{key}/leads</c>.</summary>
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public bool Active { get; set; } = true;
    public DateTimeOffset CreatedAt { get; set; }
    public string CreatedBy { get; set; } = "";
}

public record CreateLeadForm(string Name);

public record LeadFormCreated(string Key, string Name) : CreationResponse($"/api/admin/forms/{Key}");

/// <summary>Admins create the web forms that may send leads, list them, and revoke them.</summary>
public static class CreateLeadFormEndpoint
{
    public const int MaxNameLength = 100;

    public static ProblemDetails Validate(CreateLeadForm command) =>
        new FieldErrors().RequireText("name", command.Name, MaxNameLength).ToProblem();

    [WolverinePost("/api/admin/forms", OperationId = "CreateLeadForm", Summary = "Create a web form key for lead capture")]
    [Authorize(Policy = Policies.Admin)]
    [Tags("Admin", "Leads")]
    public static (LeadFormCreated, IMartenOp) Post(CreateLeadForm command, HttpContext http, TimeProvider clock)
    {
        var form = new LeadForm
        {
            Id = Convert.ToHexString(RandomNumberGenerator.GetBytes(12)).ToLowerInvariant(),
            Name = command.Name.Trim(),
            CreatedAt = clock.GetUtcNow(),
            CreatedBy = http.User.Identity?.Name ?? "",
        };
        return (new LeadFormCreated(form.Id, form.Name), MartenOps.Insert(form));
    }

}

public static class ListLeadFormsEndpoint
{
    [WolverineGet("/api/admin/forms", OperationId = "ListLeadForms", Summary = "The web forms that may send leads")]
    [Authorize(Policy = Policies.Admin)]
    [Tags("Admin", "Leads")]
    public static Task<IReadOnlyList<LeadForm>> List(IQuerySession session, CancellationToken cancellation) =>
        session.Query<LeadForm>().OrderBy(form => form.Name).ToListAsync(cancellation);

}

public static class DeactivateLeadFormEndpoint
{
    [WolverinePost("/api/admin/forms/{formKey}/deactivate", OperationId = "DeactivateLeadForm", Summary = "Stop accepting leads from a web form")]
    [Authorize(Policy = Policies.Admin)]
    [Tags("Admin", "Leads")]
    public static IMartenOp Deactivate(
        [Document("formKey", OnMissing = OnMissing.ProblemDetailsWith404, MissingMessage = "No web form has key {0}")] LeadForm form)
    {
        form.Active = false;
        return MartenOps.Store(form);
    }
}
