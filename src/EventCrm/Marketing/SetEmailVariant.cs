using System.Text.RegularExpressions;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Marketing;

/// <summary>
/// An e-mail variant (<c>variantId</c> "a" by default; "b", "c" for an A/B test): Liquid templates for the subject, the
/// HTML and, optionally, the plain text (made from the HTML when left out).
/// </summary>
public record SetEmailVariant(int Version, string Subject, string Html, string? Text = null, string? VariantId = null);

public static partial class SetEmailVariantEndpoint
{
    public const int MaxVariants = 5;
    public const int MaxSubjectLength = 300;

    public static ProblemDetails Validate(SetEmailVariant command, Campaign campaign)
    {
        var errors = new FieldErrors().RequireText("subject", command.Subject, MaxSubjectLength);
        if (string.IsNullOrWhiteSpace(command.Html)) errors.Add("html", "'html' is required: the message's HTML template.");
        var id = command.VariantId ?? "a";
        if (!VariantIds().IsMatch(id)) errors.Add("variantId", "'variantId' is 1-20 lower-case letters, digits or hyphens.");
        if (!errors.Any)
        {
            foreach (var (field, source, html) in new[] { ("subject", command.Subject, false), ("html", command.Html, true), ("text", command.Text, false) })
                if (source is not null && EmailTemplates.Check(field, source, campaign.Name, html) is { } problem) errors.Add(field, problem);
        }
        if (!campaign.Variants.Any(v => v.Id == id) && campaign.Variants.Count >= MaxVariants)
            errors.Add("variantId", $"A campaign has at most {MaxVariants} variants.");
        return Problems.FirstOf(errors.ForCampaign(command.Version, campaign, "change its content", CampaignChecks.BeforeStart),
            CampaignChecks.RefuseUnlessEmail(campaign));
    }

    [WolverinePost("/api/marketing/campaigns/{campaignId}/variants", OperationId = "SetEmailVariant",
        Summary = "Set an e-mail variant's subject and templates",
        Description = "Liquid with the merge fields customer.first_name, .last_name, .name, .email, .country, .region, .industry, campaign.name, unsubscribe_url, preferences_url; HTML output is escaped. A change needs a new test send before the campaign can be scheduled.")]
    [Authorize(Policy = Policies.MarketingWrite)]
    [Tags("Marketing")]
    public static (VersionResponse, Events) Post(SetEmailVariant command, [Target] Campaign campaign, TimeProvider clock) =>
        (new VersionResponse(campaign.Version + 1),
            [new EmailVariantSet(command.VariantId ?? "a", command.Subject.Trim(), command.Html, string.IsNullOrWhiteSpace(command.Text) ? null : command.Text,
                clock.GetUtcNow())]);

    [GeneratedRegex("^[a-z0-9-]{1,20}$")]
    public static partial Regex VariantIds();
}

public record RemoveEmailVariant(int Version);

public static class RemoveEmailVariantEndpoint
{
    public static ProblemDetails Validate(RemoveEmailVariant command, string variantId, Campaign campaign) =>
        Problems.FirstOf(new FieldErrors().ForCampaign(command.Version, campaign, "change its content", CampaignChecks.BeforeStart),
            campaign.Variants.Any(v => v.Id == variantId) ? Problems.None : Problems.NotFound($"Campaign {campaign.Id} has no variant '{variantId}'."));

    [WolverinePost("/api/marketing/campaigns/{campaignId}/variants/{variantId}/remove", OperationId = "RemoveEmailVariant",
        Summary = "Remove an e-mail variant")]
    [Authorize(Policy = Policies.MarketingWrite)]
    [Tags("Marketing")]
    public static (VersionResponse, Events) Post(RemoveEmailVariant command, string variantId, [Target] Campaign campaign, TimeProvider clock) =>
        (new VersionResponse(campaign.Version + 1), [new EmailVariantRemoved(variantId, clock.GetUtcNow())]);
}

/// <summary>An A/B test: <c>testShare</c> of the recipients split over the variants; after <c>winnerAfter</c> the best by <c>metric</c> goes to the rest.</summary>
public record ConfigureAbTest(int Version, double TestShare, TimeSpan WinnerAfter, WinnerMetric? Metric = null);

public static class ConfigureAbTestEndpoint
{
    public static ProblemDetails Validate(ConfigureAbTest command, Campaign campaign)
    {
        var errors = new FieldErrors();
        if (command.TestShare is <= 0 or > 1) errors.Add("testShare", "'testShare' is a share above 0 and at most 1.");
        if (command.WinnerAfter < TimeSpan.FromSeconds(1) || command.WinnerAfter > TimeSpan.FromDays(14))
            errors.Add("winnerAfter", "'winnerAfter' is a time from 00:00:01 to 14.00:00:00.");
        return Problems.FirstOf(errors.ForCampaign(command.Version, campaign, "change its A/B test", CampaignChecks.BeforeStart),
            CampaignChecks.RefuseUnlessEmail(campaign));
    }

    [WolverinePost("/api/marketing/campaigns/{campaignId}/ab-test", OperationId = "ConfigureAbTest",
        Summary = "Test the variants on a share of the audience before the rest gets the winner",
        Description = "The winner is chosen by click rate (default; opens are inflated by privacy proxies) or open rate.")]
    [Authorize(Policy = Policies.MarketingWrite)]
    [Tags("Marketing")]
    public static (VersionResponse, Events) Post(ConfigureAbTest command, [Target] Campaign campaign, TimeProvider clock) =>
        (new VersionResponse(campaign.Version + 1),
            [new AbTestConfigured(command.TestShare, command.WinnerAfter, command.Metric ?? WinnerMetric.Clicks, clock.GetUtcNow())]);
}
