using System.Text.Encodings.Web;
using EventCrm.Customers;
using Fluid;
using Fluid.Values;

namespace EventCrm.Marketing;

/// <summary>
/// The values a template may use, and nothing else: a few fields of the customer, the campaign's name and the
/// customer's own links. Templates see plain values, never the customer object, so no other member is reachable.
/// </summary>
public sealed record MergeFields(
    string? FirstName,
    string? LastName,
    string? Name,
    string? Email,
    string? Country,
    string? Region,
    string? Industry,
    string CampaignName,
    string UnsubscribeUrl,
    string PreferencesUrl)
{
    /// <summary>The names as templates write them, for the docs and the error messages.</summary>
    public static readonly IReadOnlyList<string> Names =
    [
        "customer.first_name", "customer.last_name", "customer.name", "customer.email", "customer.country", "customer.region",
        "customer.industry", "campaign.name", "unsubscribe_url", "preferences_url",
    ];

    public static MergeFields For(CustomerProfile profile, string campaignName, string unsubscribeUrl, string preferencesUrl)
    {
        var name = profile.Name ?? "";
        var space = name.IndexOf(' ');
        return new MergeFields(space > 0 ? name[..space] : name, space > 0 ? name[(space + 1)..] : null, profile.Name, profile.Email,
            profile.Country, profile.Region, profile.Industry, campaignName, unsubscribeUrl, preferencesUrl);
    }

    /// <summary>What a template is checked against when it is saved, and what a test mail shows when no customer is named.</summary>
    public static MergeFields Sample(string campaignName) =>
        new("Ada", "Lovelace", "Ada Lovelace", "ada@example.com", "GB", "London", "Mathematics", campaignName,
            "https://example.com/unsubscribe", "https://example.com/preferences");
}

/// <summary>
/// Liquid templates (Fluid), sandboxed: only <see cref="MergeFields"/>, no includes or file access, a bounded number
/// of steps, unknown variables refused. HTML output escapes every value; text and subject output do not.
/// </summary>
public static class EmailTemplates
{
    public const int MaxTemplateLength = 200_000;
    private static readonly FluidParser Parser = new();

    private static readonly TemplateOptions Options = new()
    {
        StrictVariables = true,
        MaxSteps = 100_000,
        MaxRecursion = 20,
    };

    public static (IFluidTemplate? Template, string? Error) Parse(string source) =>
        Parser.TryParse(source, out var template, out var error) ? (template, null) : (null, error);

    public static string Render(IFluidTemplate template, MergeFields fields, bool html)
    {
        // Unknown values are empty texts (so '| default: ...' applies), never undefined: strict variables refuse only names
        // templates are not offered.
        var context = new TemplateContext(Options);
        context.SetValue("customer", FluidValue.Create(new Dictionary<string, object?>
        {
            ["first_name"] = fields.FirstName ?? "",
            ["last_name"] = fields.LastName ?? "",
            ["name"] = fields.Name ?? "",
            ["email"] = fields.Email ?? "",
            ["country"] = fields.Country ?? "",
            ["region"] = fields.Region ?? "",
            ["industry"] = fields.Industry ?? "",
        }, Options));
        context.SetValue("campaign", FluidValue.Create(new Dictionary<string, object?> { ["name"] = fields.CampaignName }, Options));
        context.SetValue("unsubscribe_url", fields.UnsubscribeUrl);
        context.SetValue("preferences_url", fields.PreferencesUrl);
        return template.Render(context, html ? HtmlEncoder.Default : NullEncoder.Default);
    }

    /// <summary>Why the templates cannot be used (a syntax error, a field that is not offered), or null.</summary>
    public static string? Check(string what, string source, string campaignName, bool html)
    {
        if (source.Length > MaxTemplateLength) return $"The {what} is longer than {MaxTemplateLength} characters.";
        var (template, error) = Parse(source);
        if (template is null) return $"The {what} is not valid Liquid: {error}";
        try
        {
            Render(template, MergeFields.Sample(campaignName), html);
            return null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return $"The {what} cannot be rendered with what templates offer ({e.Message}). Fields: {string.Join(", ", MergeFields.Names)}; no includes.";
        }
    }
}
