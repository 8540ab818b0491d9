using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Marketing;

/// <summary>When the campaign starts (now, when left out): its audience is frozen then and, for e-mail, the sending begins.</summary>
public record ScheduleCampaign(int Version, DateTimeOffset? StartAt = null);

public static class ScheduleCampaignEndpoint
{
    public static ProblemDetails Validate(ScheduleCampaign command, Campaign campaign, TimeProvider clock)
    {
        var errors = new FieldErrors();
        if (command.StartAt < clock.GetUtcNow().AddMinutes(-1)) errors.Add("startAt", "'startAt' cannot be in the past.");
        var refused = errors.ForCampaign(command.Version, campaign, "be scheduled", CampaignChecks.BeforeStart);
        if (refused != Problems.None || campaign.Channel != CampaignChannel.Email) return refused;
        if (campaign.AudienceId is null)
            return Problems.RuleViolation("The campaign has no audience.", "Choose its audience first (POST .../audience).");
        if (campaign.Variants.Count == 0)
            return Problems.RuleViolation("The campaign has no content.", "Set its e-mail variant first (POST .../variants).");
        if (campaign.Variants.Count > 1 && campaign.AbTest is null)
            return Problems.RuleViolation("Several variants need an A/B test.", "Configure the test (POST .../ab-test), or remove the variants you do not send.");
        if (!campaign.Tested)
            return Problems.RuleViolation("Send a test first.",
                "Every real send follows a test of its current content: POST .../test-send, look at it, then schedule.");
        return Problems.None;
    }

    [WolverinePost("/api/marketing/campaigns/{campaignId}/schedule", OperationId = "ScheduleCampaign",
        Summary = "Schedule a campaign to start (now, or at startAt)",
        Description = "An e-mail campaign needs an audience, content and a test send of that content. The start is a durable message: it happens after a restart too.")]
    [Authorize(Policy = Policies.MarketingWrite)]
    [Tags("Marketing")]
    public static (VersionResponse, Events, OutgoingMessages) Post(ScheduleCampaign command, [Target] Campaign campaign, TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        var startAt = command.StartAt is { } at && at > now ? at : now;
        var launch = new LaunchCampaign(campaign.Id, startAt);
        return (new VersionResponse(campaign.Version + 1), [new CampaignScheduled(startAt, now)],
            [startAt > now ? launch.ScheduledAt(startAt) : launch]);
    }
}

public record UnscheduleCampaign(int Version);

public static class UnscheduleCampaignEndpoint
{
    public static ProblemDetails Validate(UnscheduleCampaign command, Campaign campaign) =>
        new FieldErrors().ForCampaign(command.Version, campaign, "be unscheduled", CampaignStatus.Scheduled);

    [WolverinePost("/api/marketing/campaigns/{campaignId}/unschedule", OperationId = "UnscheduleCampaign",
        Summary = "Take a scheduled campaign back to draft", Description = "Its scheduled start then does nothing.")]
    [Authorize(Policy = Policies.MarketingWrite)]
    [Tags("Marketing")]
    public static (VersionResponse, Events) Post(UnscheduleCampaign command, [Target] Campaign campaign, TimeProvider clock) =>
        (new VersionResponse(campaign.Version + 1), [new CampaignUnscheduled(clock.GetUtcNow())]);
}

public record CompleteCampaign(int Version);

public static class CompleteCampaignEndpoint
{
    public static ProblemDetails Validate(CompleteCampaign command, Campaign campaign) =>
        Problems.FirstOf(new FieldErrors().ForCampaign(command.Version, campaign, "be completed", CampaignStatus.Running),
            campaign.Channel == CampaignChannel.Email && !campaign.SendingFinished
                ? Problems.RuleViolation("The campaign is still sending.", "An e-mail campaign completes by itself when its last batch is sent; cancel it to stop it.")
                : Problems.None);

    [WolverinePost("/api/marketing/campaigns/{campaignId}/complete", OperationId = "CompleteCampaign",
        Summary = "Mark a running campaign completed", Description = "For channels the system does not deliver; e-mail campaigns complete by themselves.")]
    [Authorize(Policy = Policies.MarketingWrite)]
    [Tags("Marketing")]
    public static (VersionResponse, Events) Post(CompleteCampaign command, [Target] Campaign campaign, TimeProvider clock) =>
        (new VersionResponse(campaign.Version + 1), [new CampaignCompleted(clock.GetUtcNow())]);
}

public record CancelCampaign(int Version, string Reason);

public static class CancelCampaignEndpoint
{
    public static ProblemDetails Validate(CancelCampaign command, Campaign campaign) =>
        new FieldErrors().RequireText("reason", command.Reason, 500)
            .ForCampaign(command.Version, campaign, "be cancelled", CampaignChecks.NotFinished);

    [WolverinePost("/api/marketing/campaigns/{campaignId}/cancel", OperationId = "CancelCampaign",
        Summary = "Cancel a campaign", Description = "A running e-mail campaign stops sending; what was sent stays sent.")]
    [Authorize(Policy = Policies.MarketingWrite)]
    [Tags("Marketing")]
    public static (VersionResponse, Events) Post(CancelCampaign command, [Target] Campaign campaign, TimeProvider clock) =>
        (new VersionResponse(campaign.Version + 1), [new CampaignCancelled(command.Reason.Trim(), clock.GetUtcNow())]);
}
