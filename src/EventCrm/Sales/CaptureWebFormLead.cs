using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Http.Marten;
using Wolverine.Marten;
using Wolverine.Persistence;

namespace EventCrm.Sales;

/// <summary>
/// What a public web form posts. <c>website</c> is a honeypot: the form hides it from people, so only bots
/// fill it in.
/// </summary>
public record WebFormLead(
    string Name,
    string Email,
    string? Phone = null,
    string? Company = null,
    string? Message = null,
    string? Website = null);

public record WebFormReceived(bool Received);

/// <summary>
/// The one public endpoint besides health: anyone may post a lead through an active form, limited in size
/// and, per client address and form, in rate (429). Nothing tells a bot that its submission was discarded.
/// </summary>
public static class CaptureWebFormLeadEndpoint
{
    public const string RateLimitPolicy = "web-forms";
    public const int MaxBodyBytes = 16 * 1024;
    public const int MaxUserAgentLength = 500;

    public static ProblemDetails Validate(WebFormLead lead, LeadForm form, CustomerRules rules) =>
        !form.Active
            ? Problems.NotFound($"No active web form has key {form.Id}.")
            : string.IsNullOrEmpty(lead.Website)
                ? new FieldErrors().CheckLead(lead.Name, lead.Email, lead.Phone, lead.Company, lead.Message, rules).ToProblem()
                : Problems.None;

    [WolverinePost("/api/forms/{formKey}/leads", OperationId = "CaptureWebFormLead", Summary = "Send a lead from a public web form",
        Description = "No token needed. At most 16 KiB; rate-limited per client address and form (429).")]
    [AllowAnonymous]
    [RateLimited(RateLimitPolicy)]
    [RequestSizeLimit(MaxBodyBytes)]
    [Tags("Leads")]
    public static (AcceptResponse<WebFormReceived>, IMartenOp) Post(WebFormLead lead,
        [Document("formKey", OnMissing = OnMissing.ProblemDetailsWith404, MissingMessage = "No web form has key {0}")] LeadForm form,
        HttpContext http, CustomerRules rules, TimeProvider clock)
    {
        var received = new AcceptResponse<WebFormReceived>("/", new WebFormReceived(true));
        if (!string.IsNullOrEmpty(lead.Website)) return (received, MartenOps.Nothing());

        var userAgent = http.Request.Headers.UserAgent.ToString();
        var captured = LeadDetails.Captured(lead.Name, lead.Email, lead.Phone, lead.Company, $"form:{form.Name}",
            form.Id, userAgent.Length > MaxUserAgentLength ? userAgent[..MaxUserAgentLength] : userAgent,
            lead.Message, rules, clock.GetUtcNow());
        return (received, MartenOps.StartStream<Lead>(Guid.CreateVersion7(), captured));
    }
}
