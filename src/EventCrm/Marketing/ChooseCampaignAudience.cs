using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Marketing;

/// <summary>The audience a campaign goes to, and the share to hold back for measuring lift (default 10 %, 0 allowed).</summary>
public record ChooseCampaignAudience(int Version, Guid AudienceId, double? HoldoutShare = null);

public static class ChooseCampaignAudienceEndpoint
{
    public const double MaxHoldoutShare = 0.5;

    public static async Task<AudienceView?> LoadAsync(ChooseCampaignAudience command, IQuerySession session, CancellationToken cancellation) =>
        await session.LoadAsync<AudienceView>(command.AudienceId, cancellation);

    public static ProblemDetails Validate(ChooseCampaignAudience command, AudienceView? audience, Campaign campaign)
    {
        var errors = new FieldErrors();
        if (command.HoldoutShare is < 0 or > MaxHoldoutShare)
            errors.Add("holdoutShare", $"'holdoutShare' is a share from 0 to {MaxHoldoutShare}.");
        if (command.AudienceId == Guid.Empty) errors.Add("audienceId", "'audienceId' is required.");
        var refused = errors.ForCampaign(command.Version, campaign, "change its audience", CampaignChecks.BeforeStart);
        if (refused != Problems.None) return refused;
        return audience switch
        {
            null => Problems.RuleViolation("No such audience.", $"No audience has id {command.AudienceId}."),
            { Archived: true } => Problems.RuleViolation("The audience is archived.", $"Audience {audience.Id} is archived: choose a current one."),
            _ => Problems.None,
        };
    }

    [WolverinePost("/api/marketing/campaigns/{campaignId}/audience", OperationId = "ChooseCampaignAudience",
        Summary = "Choose a campaign's audience and its holdout share", Description = "The audience is frozen when the campaign starts.")]
    [Authorize(Policy = Policies.MarketingWrite)]
    [Tags("Marketing")]
    public static (VersionResponse, Events) Post(ChooseCampaignAudience command, [Target] Campaign campaign, MarketingRules rules,
        TimeProvider clock) =>
        (new VersionResponse(campaign.Version + 1),
            [new CampaignAudienceChosen(command.AudienceId, command.HoldoutShare ?? rules.DefaultHoldoutShare, clock.GetUtcNow())]);
}
