using EventCrm.Infrastructure.Http;
using Microsoft.AspNetCore.Mvc;

namespace EventCrm.Marketing;

/// <summary>The checks every command on an existing campaign makes, in the order a client should fix them.</summary>
public static class CampaignChecks
{
    /// <summary>400 for bad fields, then 409 for a stale version, then 422 when the campaign's state does not allow it.</summary>
    public static ProblemDetails ForCampaign(this FieldErrors errors, int version, Campaign campaign, string action,
        params CampaignStatus[] allowed)
    {
        errors.RequireExpectedVersion(version);
        if (errors.Any) return errors.ToProblem();
        var stale = ExpectedVersion.Check(version, campaign.Version);
        if (stale != Problems.None) return stale;
        return allowed.Contains(campaign.Status)
            ? Problems.None
            : Problems.RuleViolation($"A {campaign.Status.ToString().ToLowerInvariant()} campaign cannot {action}.",
                $"Campaign {campaign.Id} is {campaign.Status.ToString().ToLowerInvariant()}; this needs it to be {string.Join(" or ", allowed.Select(s => s.ToString().ToLowerInvariant()))}.",
                // Not "status": that member of a problem is its HTTP status.
                new Dictionary<string, object?> { ["campaignStatus"] = campaign.Status.ToString().ToLowerInvariant() });
    }

    public static readonly CampaignStatus[] BeforeStart = [CampaignStatus.Draft];
    public static readonly CampaignStatus[] NotFinished = [CampaignStatus.Draft, CampaignStatus.Scheduled, CampaignStatus.Running];

    public static ProblemDetails RefuseUnlessEmail(Campaign campaign) =>
        campaign.Channel == CampaignChannel.Email
            ? Problems.None
            : Problems.RuleViolation("Only e-mail campaigns have e-mail content.",
                $"Campaign {campaign.Id} is a {campaign.Channel.ToString().ToLowerInvariant()} campaign: record its touches instead.");
}
