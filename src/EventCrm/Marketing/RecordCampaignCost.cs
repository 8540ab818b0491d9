using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Marketing;

/// <summary>A cost of the campaign (an agency invoice, an ad spend), in the campaign's currency, incurred on a day (default today).</summary>
public record RecordCampaignCost(int Version, decimal Amount, string Description, string? Currency = null, DateOnly? IncurredOn = null);

public record CampaignCostResponse(Guid CostId, int Version);

public static class RecordCampaignCostEndpoint
{
    public static ProblemDetails Validate(RecordCampaignCost command, Campaign campaign, TimeProvider clock)
    {
        var errors = new FieldErrors().RequireText("description", command.Description, 500);
        if (command.Amount <= 0) errors.Add("amount", "'amount' must be more than 0.");
        CampaignPlan.CheckMoney(errors, "amount", command.Amount);
        if (command.Currency is { } currency && !string.Equals(currency.Trim(), campaign.Currency, StringComparison.OrdinalIgnoreCase))
            errors.Add("currency", $"Costs are in the campaign's currency, {campaign.Currency}.");
        if (command.IncurredOn > DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime)) errors.Add("incurredOn", "'incurredOn' cannot be in the future.");
        return errors.ForCampaign(command.Version, campaign, "take costs",
            CampaignStatus.Draft, CampaignStatus.Scheduled, CampaignStatus.Running, CampaignStatus.Completed);
    }

    [WolverinePost("/api/marketing/campaigns/{campaignId}/costs", OperationId = "RecordCampaignCost",
        Summary = "Record a cost of a campaign", Description = "Each cost is an event; the report sums them (with touch costs).")]
    [Authorize(Policy = Policies.MarketingWrite)]
    [Tags("Marketing")]
    public static (CampaignCostResponse, Events) Post(RecordCampaignCost command, [Target] Campaign campaign, TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        var id = Guid.CreateVersion7();
        return (new CampaignCostResponse(id, campaign.Version + 1), [new CampaignCostRecorded(id, command.Amount, campaign.Currency,
            command.Description.Trim(), command.IncurredOn ?? DateOnly.FromDateTime(now.UtcDateTime), now)]);
    }
}
