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
/// identifier an admin can revoke, not a secret). <see cref="AllowedOrigins"/> are the sites whose pages may post
/// to it (<c>https://www.example.com</c>); none means any site may.
/// </summary>
public sealed class LeadForm
{
    public const int MaxOrigins = 20;

    /// <summary>The key, as in <c>POST /api/forms/{key}/leads</c>.</summary>
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public bool Active { get; set; } = true;
    public DateTimeOffset CreatedAt { get; set; }
    public string CreatedBy { get; set; } = "";
    public IReadOnlyList<string> AllowedOrigins { get; set; } = [];

    /// <summary>Whether a post from <paramref name="origin"/> (null: unknown) may send a lead through this form.</summary>
    public bool Allows(string? origin) =>
        AllowedOrigins.Count == 0 || (origin is not null && AllowedOrigins.Contains(origin, StringComparer.OrdinalIgnoreCase));

    /// <summary>
    /// The site a request was posted from: its Origin header (which browsers send with every form post), else the
    /// origin of its Referer; as scheme://host[:port], lower case; null when it names none (or the opaque "null").
    /// </summary>
    public static string? OriginOf(HttpRequest request)
    {
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0 || origin == "null") origin = request.Headers.Referer.ToString();
        return Normalised(origin);
    }

    /// <summary>scheme://host[:port] of an http(s) address, lower case, default ports left out; null if it is not one.</summary>
    public static string? Normalised(string? address) =>
        Uri.TryCreate(address, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.UserInfo.Length == 0
            ? uri.GetLeftPart(UriPartial.Authority).ToLowerInvariant()
            : null;

    /// <summary>Checks origins an admin gives: each an http(s) site with nothing after the host and port.</summary>
    public static FieldErrors CheckOrigins(FieldErrors errors, IReadOnlyList<string>? origins)
    {
        if (origins is null) return errors;
        if (origins.Count > MaxOrigins) return errors.Add("allowedOrigins", $"'allowedOrigins' names at most {MaxOrigins} sites.");
        foreach (var origin in origins.Where(o => !IsSite(o)))
            errors.Add("allowedOrigins", $"'{InputGuard.Printable(origin ?? "null")}' is not a site such as https://www.example.com (scheme, host and port only).");
        return errors;
    }

    private static bool IsSite(string? origin) =>
        origin is { Length: <= 200 } && Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
        && uri.UserInfo.Length == 0 && uri.PathAndQuery == "/" && uri.Fragment.Length == 0;

    public static IReadOnlyList<string> Sites(IReadOnlyList<string>? origins) =>
        [.. (origins ?? []).Select(o => Normalised(o)!).Distinct(StringComparer.OrdinalIgnoreCase)];
}

public record CreateLeadForm(string Name, IReadOnlyList<string>? AllowedOrigins = null);

public record LeadFormCreated(string Key, string Name) : CreationResponse($"/api/admin/forms/{Key}");

/// <summary>Admins create the web forms that may send leads, list them, and revoke them.</summary>
public static class CreateLeadFormEndpoint
{
    public const int MaxNameLength = 100;

    public static ProblemDetails Validate(CreateLeadForm command) =>
        LeadForm.CheckOrigins(new FieldErrors().RequireText("name", command.Name, MaxNameLength), command.AllowedOrigins).ToProblem();

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
            AllowedOrigins = LeadForm.Sites(command.AllowedOrigins),
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

public record ChangeLeadFormOrigins(IReadOnlyList<string> AllowedOrigins);

public static class ChangeLeadFormOriginsEndpoint
{
    public static ProblemDetails Validate(ChangeLeadFormOrigins command) =>
        command.AllowedOrigins is null
            ? new FieldErrors().Add("allowedOrigins", "'allowedOrigins' is required: the sites that may post to the form, or [] for any.").ToProblem()
            : LeadForm.CheckOrigins(new FieldErrors(), command.AllowedOrigins).ToProblem();

    [WolverinePost("/api/admin/forms/{key}/origins", OperationId = "ChangeLeadFormOrigins",
        Summary = "Name the sites whose pages may post leads to a web form ([] for any)")]
    [Authorize(Policy = Policies.Admin)]
    [Tags("Admin", "Leads")]
    public static (LeadForm, IMartenOp) Post(ChangeLeadFormOrigins command,
        [Document("key", OnMissing = OnMissing.ProblemDetailsWith404, MissingMessage = "No web form has key {0}")] LeadForm form)
    {
        form.AllowedOrigins = LeadForm.Sites(command.AllowedOrigins);
        return (form, MartenOps.Store(form));
    }
}
