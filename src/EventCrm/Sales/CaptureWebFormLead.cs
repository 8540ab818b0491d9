using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;
using Wolverine.Http.Marten;
using Wolverine.Marten;
using Wolverine.Persistence;

namespace EventCrm.Sales;

/// <summary>
/// What a public web form posts. <c>website</c> is a honeypot: the form hides it from people, so only bots
/// fill it in. <c>subscribe</c> asks for news by e-mail (confirmed by double opt-in); <c>consentTextVersion</c> names
/// the wording the form showed. The UTM tags come from the body or, when it has none, the form's query string.
/// </summary>
public record WebFormLead(
    string Name,
    string Email,
    string? Phone = null,
    string? Company = null,
    string? Message = null,
    string? Website = null,
    bool? Subscribe = null,
    string? ConsentTextVersion = null,
    string? UtmSource = null,
    string? UtmMedium = null,
    string? UtmCampaign = null);

public record WebFormReceived(bool Received);

/// <summary>
/// A lead asked for news by e-mail on a web form: whoever sends mail asks its address to confirm (double opt-in).
/// Sales only captures the lead; the marketing context, above it, handles this.
/// </summary>
public record LeadAskedForNews(Guid LeadId, string Name, string Email, string Purpose, string? ConsentTextVersion);

/// <summary>
/// The one public endpoint besides health and the mail links: anyone may post a lead through an active form, as JSON
/// or as a plain HTML form posts it (<see cref="CaptureHtmlFormLeadEndpoint"/>), from the sites the form allows,
/// limited in size and, per client address and form, in rate (429). Nothing tells a bot that its submission was discarded.
/// </summary>
public static class CaptureWebFormLeadEndpoint
{
    public const string Route = "/api/forms/{formKey}/leads";
    public const string RateLimitPolicy = "web-forms";
    public const int MaxBodyBytes = 16 * 1024;
    public const int MaxUserAgentLength = 500;
    public const int MaxConsentTextVersionLength = 50;

    /// <summary>What a lead that ticks "subscribe" asks for.</summary>
    public const string NewsPurpose = "newsletter";

    public static ProblemDetails Validate(WebFormLead lead, LeadForm form, HttpContext http, CustomerRules rules) =>
        Check(lead, form, http, rules);

    [WolverinePost(Route, OperationId = "CaptureWebFormLead", Summary = "Send a lead from a public web form",
        Description = "No token needed. JSON, or application/x-www-form-urlencoded (or multipart/form-data) as an HTML form posts it, " +
                      "with the same fields. At most 16 KiB; only from the form's allowed origins when it names some (403); " +
                      "rate-limited per client address and form (429). 'subscribe: true' sends a double opt-in mail to the address.")]
    [AcceptsContentType("application/json")]
    [AllowAnonymous]
    [RateLimited(RateLimitPolicy)]
    [RequestSizeLimit(MaxBodyBytes)]
    [Tags("Leads")]
    public static (Accepted<WebFormReceived>, IMartenOp, OutgoingMessages) Post(WebFormLead lead,
        [Document("formKey", OnMissing = OnMissing.ProblemDetailsWith404, MissingMessage = "No web form has key {0}")] LeadForm form,
        HttpContext http, CustomerRules rules, TimeProvider clock) =>
        Capture(lead, form, http, rules, clock);

    /// <summary>The form must be active and the request come from a site it allows; then the fields are checked, unless a bot filled the honeypot.</summary>
    internal static ProblemDetails Check(WebFormLead lead, LeadForm form, HttpContext http, CustomerRules rules)
    {
        if (!form.Active) return Problems.NotFound($"No active web form has key {form.Id}.");
        if (!form.Allows(LeadForm.OriginOf(http.Request)))
            return new ProblemDetails
            {
                Type = "urn:eventcrm:problem:origin-not-allowed",
                Title = "This form does not take leads from this site.",
                Status = StatusCodes.Status403Forbidden,
                Detail = LeadForm.OriginOf(http.Request) is { } origin
                    ? $"The request comes from '{InputGuard.Printable(origin)}', which is not one of the sites this form allows."
                    : "This form takes leads only from the sites it allows, and the request names none (no Origin or Referer).",
            };
        return string.IsNullOrEmpty(lead.Website)
            ? new FieldErrors().CheckLead(lead.Name, lead.Email, lead.Phone, lead.Company, lead.Message, rules)
                .CheckUtm(lead.UtmSource, lead.UtmMedium, lead.UtmCampaign)
                .OptionalText("consentTextVersion", lead.ConsentTextVersion, MaxConsentTextVersionLength)
                .ToProblem()
            : Problems.None;
    }

    internal static (Accepted<WebFormReceived>, IMartenOp, OutgoingMessages) Capture(WebFormLead lead, LeadForm form, HttpContext http,
        CustomerRules rules, TimeProvider clock)
    {
        var received = TypedResults.Accepted((string?)null, new WebFormReceived(true));
        if (!string.IsNullOrEmpty(lead.Website)) return (received, MartenOps.Nothing(), []);

        var query = http.Request.Query;
        var utm = Utm.Of(lead.UtmSource, lead.UtmMedium, lead.UtmCampaign)
                  ?? Utm.Of(Short(query["utm_source"]), Short(query["utm_medium"]), Short(query["utm_campaign"]));
        var userAgent = http.Request.Headers.UserAgent.ToString();
        var subscribeTo = lead.Subscribe == true ? NewsPurpose : null;
        var id = Guid.CreateVersion7();
        var captured = LeadDetails.Captured(lead.Name, lead.Email, lead.Phone, lead.Company, $"form:{form.Name}",
            form.Id, userAgent.Length > MaxUserAgentLength ? userAgent[..MaxUserAgentLength] : userAgent,
            lead.Message, rules, clock.GetUtcNow(), utm, subscribeTo) with { Origin = LeadForm.OriginOf(http.Request) };

        var messages = new OutgoingMessages();
        if (subscribeTo is not null)
            messages.Add(new LeadAskedForNews(id, captured.Name, captured.Email, subscribeTo,
                string.IsNullOrWhiteSpace(lead.ConsentTextVersion) ? null : lead.ConsentTextVersion.Trim()));
        return (received, MartenOps.StartStream<Lead>(id, captured), messages);
    }

    // Query strings are not checked as fields are: a tag too long to be one is dropped rather than refused.
    private static string? Short(string? tag) => tag is { Length: > 0 and <= Utm.MaxLength } && !tag.Any(char.IsControl) ? tag : null;
}

/// <summary>
/// The web form as a plain HTML <c>&lt;form method="post"&gt;</c> sends it — <c>application/x-www-form-urlencoded</c>,
/// or <c>multipart/form-data</c> — with the same fields, the same checks and the same answer as the JSON post. Routing
/// picks this endpoint or the JSON one by the body's Content-Type; any other type is a 415.
/// </summary>
public static class CaptureHtmlFormLeadEndpoint
{
    public static Task<HtmlFormLead> LoadAsync(HttpContext http, CancellationToken cancellation) => HtmlFormLead.Read(http.Request, cancellation);

    public static ProblemDetails Validate(HtmlFormLead posted, LeadForm form, HttpContext http, CustomerRules rules) =>
        posted.Problem ?? CaptureWebFormLeadEndpoint.Check(posted.Lead!, form, http, rules);

    [WolverinePost(CaptureWebFormLeadEndpoint.Route, OperationId = "CaptureHtmlFormLead")]
    [AcceptsContentType("application/x-www-form-urlencoded", "multipart/form-data")]
    [ExcludeFromDescription] // the same operation as CaptureWebFormLead, sent as a form
    [AllowAnonymous]
    [RateLimited(CaptureWebFormLeadEndpoint.RateLimitPolicy)]
    [RequestSizeLimit(CaptureWebFormLeadEndpoint.MaxBodyBytes)]
    public static (Accepted<WebFormReceived>, IMartenOp, OutgoingMessages) Post([NotBody] HtmlFormLead posted,
        [Document("formKey", OnMissing = OnMissing.ProblemDetailsWith404, MissingMessage = "No web form has key {0}")] LeadForm form,
        HttpContext http, CustomerRules rules, TimeProvider clock) =>
        CaptureWebFormLeadEndpoint.Capture(posted.Lead!, form, http, rules, clock);
}

/// <summary>The fields of an HTML form post, or why they cannot be read (a malformed body, a field given twice).</summary>
public sealed record HtmlFormLead(WebFormLead? Lead, ProblemDetails? Problem)
{
    public const int MaxFields = 20;

    public static async Task<HtmlFormLead> Read(HttpRequest request, CancellationToken cancellation)
    {
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellation);
        }
        catch (InvalidDataException)
        {
            return Refused("The form cannot be read: it has too many fields, or a field or part header that is too long.");
        }
        catch (IOException ended) when (ended is not BadHttpRequestException)
        {
            return Refused("The form body ends before it is complete.");
        }
        if (form.Count > MaxFields || form.Files.Count > 0)
            return Refused($"A web form sends its fields as text, at most {MaxFields} of them, and no files.");
        if (form.FirstOrDefault(f => f.Value.Count > 1) is { Key: { } twice })
            return new HtmlFormLead(null, new FieldErrors().Add(twice, $"'{twice}' is given twice; give each field once.").ToProblem());

        string? Field(string name) => form[name].ToString() is { Length: > 0 } value ? value : null;
        // A ticked checkbox posts "on" (or the value it names); an unticked one posts nothing.
        bool? subscribe = Field("subscribe") is { } ticked ? ticked is not ("false" or "0" or "off") : null;
        return new HtmlFormLead(new WebFormLead(Field("name") ?? "", Field("email") ?? "", Field("phone"), Field("company"), Field("message"),
            Field("website"), subscribe, Field("consentTextVersion"), Field("utm_source") ?? Field("utmSource"),
            Field("utm_medium") ?? Field("utmMedium"), Field("utm_campaign") ?? Field("utmCampaign")), null);
    }

    private static HtmlFormLead Refused(string detail) => new(null, new ProblemDetails
    {
        Type = Problems.ValidationType,
        Title = "The request is invalid.",
        Status = StatusCodes.Status400BadRequest,
        Detail = detail,
    });
}
