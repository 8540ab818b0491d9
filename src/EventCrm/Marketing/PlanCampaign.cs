using System.Security.Claims;
using System.Text.RegularExpressions;
using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Marketing;

/// <summary>
/// A campaign to plan: its name, objective, channel, budget (in <c>currency</c>, the house currency by default), planned
/// dates, UTM campaign code (from the name by default; unique), owner (the caller by default) and the consent purpose
/// its mail needs (the default purpose by default).
/// </summary>
public record PlanCampaign(
    string Name,
    CampaignChannel? Channel,
    string? Objective = null,
    decimal? Budget = null,
    string? Currency = null,
    DateOnly? PlannedStart = null,
    DateOnly? PlannedEnd = null,
    string? UtmCampaign = null,
    string? Owner = null,
    string? Purpose = null);

public record CampaignPlannedResponse(Guid Id, int Version, string UtmCampaign) : CreationResponse($"/api/marketing/campaigns/{Id}");

/// <summary>A plan cleaned once into its stored forms, with what could not be.</summary>
public sealed partial record CampaignPlan(CampaignPlanned? Planned, ProblemDetails Problem)
{
    public const int MaxNameLength = 200;
    public const int MaxObjectiveLength = 1000;
    public const int MaxUtmLength = 100;

    public static CampaignPlan Of(PlanCampaign command, MarketingRules rules, CustomerRules customers, ClaimsPrincipal user, DateTimeOffset now)
    {
        var errors = new FieldErrors().RequireText("name", command.Name, MaxNameLength)
            .OptionalMultilineText("objective", command.Objective, MaxObjectiveLength)
            .OptionalText("owner", command.Owner, 100)
            .OptionalText("purpose", command.Purpose, Consent.MaxPurposeLength);
        if (command.Channel is null) errors.Add("channel", "'channel' is required: email, social, ads, event or other.");
        CheckMoney(errors, "budget", command.Budget);
        var currency = CheckCurrency(errors, command.Currency, customers.HouseCurrency);
        CheckDates(errors, command.PlannedStart, command.PlannedEnd);
        var utm = Slug(string.IsNullOrWhiteSpace(command.UtmCampaign) ? command.Name ?? "" : command.UtmCampaign);
        if (utm.Length == 0) errors.Add("utmCampaign", "'utmCampaign' needs letters or digits.");
        else if (utm.Length > MaxUtmLength) errors.Add("utmCampaign", $"'utmCampaign' must be at most {MaxUtmLength} characters.");
        if (errors.Any) return new CampaignPlan(null, errors.ToProblem());
        return new CampaignPlan(new CampaignPlanned(command.Name!.Trim(), string.IsNullOrWhiteSpace(command.Objective) ? null : command.Objective.Trim(),
            command.Channel!.Value, command.Budget, currency, command.PlannedStart, command.PlannedEnd, utm,
            string.IsNullOrWhiteSpace(command.Owner) ? user.Identity?.Name ?? "" : command.Owner.Trim(),
            Consent.NormalisePurpose(string.IsNullOrWhiteSpace(command.Purpose) ? rules.DefaultPurpose : command.Purpose), now), Problems.None);
    }

    public static FieldErrors CheckMoney(FieldErrors errors, string field, decimal? amount)
    {
        if (amount is < 0) errors.Add(field, $"'{field}' cannot be negative.");
        if (amount > RecordPurchaseEndpoint.MaxAmount) errors.Add(field, $"'{field}' is implausibly large.");
        if (amount is { } value && decimal.Round(value, 2) != value) errors.Add(field, $"'{field}' has at most 2 decimals.");
        return errors;
    }

    public static string CheckCurrency(FieldErrors errors, string? currency, string fallback)
    {
        var code = string.IsNullOrWhiteSpace(currency) ? fallback : currency.Trim().ToUpperInvariant();
        if (!RecordPurchaseEndpoint.Currencies.Contains(code)) errors.Add("currency", "'currency' must be an ISO 4217 code such as EUR.");
        return code;
    }

    public static void CheckDates(FieldErrors errors, DateOnly? start, DateOnly? end)
    {
        if (start > end) errors.Add("plannedEnd", "'plannedEnd' cannot be before 'plannedStart'.");
    }

    /// <summary>A UTM code as links carry it: lower-case letters, digits and single hyphens.</summary>
    public static string Slug(string text) => Hyphens().Replace(NotSlug().Replace(text.Trim().ToLowerInvariant(), "-"), "-").Trim('-');

    [GeneratedRegex("[^a-z0-9_-]+")]
    private static partial Regex NotSlug();

    [GeneratedRegex("-{2,}")]
    private static partial Regex Hyphens();
}

public static class PlanCampaignEndpoint
{
    public static CampaignPlan Load(PlanCampaign command, MarketingRules rules, CustomerRules customers, ClaimsPrincipal user, TimeProvider clock) =>
        CampaignPlan.Of(command, rules, customers, user, clock.GetUtcNow());

    public static ProblemDetails Validate(CampaignPlan plan) => plan.Problem;

    public static async Task<ProblemDetails> ValidateAsync(CampaignPlan plan, IQuerySession session, CancellationToken cancellation) =>
        await CampaignCodes.RefuseIfTaken(session, plan.Planned!.UtmCampaign, null, cancellation);

    [WolverinePost("/api/marketing/campaigns", OperationId = "PlanCampaign", Summary = "Plan a campaign",
        Description = "A draft: choose its audience, set its e-mail variants, send a test, then schedule it.")]
    [Authorize(Policy = Policies.MarketingWrite)]
    [Tags("Marketing")]
    public static (CampaignPlannedResponse, IStartStream) Post(PlanCampaign command, CampaignPlan plan)
    {
        var id = Guid.CreateVersion7();
        return (new CampaignPlannedResponse(id, 1, plan.Planned!.UtmCampaign), MartenOps.StartStream<Campaign>(id, plan.Planned));
    }
}

public record ChangeCampaignDetails(int Version, string Name, string? Objective = null, decimal? Budget = null, DateOnly? PlannedStart = null,
    DateOnly? PlannedEnd = null);

public static class ChangeCampaignDetailsEndpoint
{
    public static ProblemDetails Validate(ChangeCampaignDetails command, Campaign campaign)
    {
        var errors = new FieldErrors().RequireText("name", command.Name, CampaignPlan.MaxNameLength)
            .OptionalMultilineText("objective", command.Objective, CampaignPlan.MaxObjectiveLength);
        CampaignPlan.CheckMoney(errors, "budget", command.Budget);
        CampaignPlan.CheckDates(errors, command.PlannedStart, command.PlannedEnd);
        return errors.ForCampaign(command.Version, campaign, "change its details", CampaignChecks.NotFinished);
    }

    [WolverinePost("/api/marketing/campaigns/{campaignId}/details", OperationId = "ChangeCampaignDetails",
        Summary = "Change a campaign's name, objective, budget and planned dates", Description = "All of them: send what you keep.")]
    [Authorize(Policy = Policies.MarketingWrite)]
    [Tags("Marketing")]
    public static (VersionResponse, Events) Post(ChangeCampaignDetails command, [Target] Campaign campaign, TimeProvider clock) =>
        (new VersionResponse(campaign.Version + 1), [new CampaignDetailsChanged(command.Name.Trim(),
            string.IsNullOrWhiteSpace(command.Objective) ? null : command.Objective.Trim(), command.Budget, command.PlannedStart,
            command.PlannedEnd, clock.GetUtcNow())]);
}

/// <summary>UTM campaign codes: one campaign each. Sales asks which campaign a lead's code names.</summary>
public sealed class CampaignCodes(IDocumentStore store) : Sales.ICampaignCodes
{
    public async Task<Guid?> CampaignWithCode(string utmCampaign, CancellationToken cancellation)
    {
        await using var session = store.QuerySession();
        var code = CampaignPlan.Slug(utmCampaign);
        return (await session.Query<CampaignView>().Where(c => c.UtmCampaign == code).Select(c => c.Id).ToListAsync(cancellation))
            .Cast<Guid?>().FirstOrDefault();
    }

    public static async Task<ProblemDetails> RefuseIfTaken(IQuerySession session, string code, Guid? campaign, CancellationToken cancellation)
    {
        var holder = await session.Query<CampaignView>().Where(c => c.UtmCampaign == code).Select(c => c.Id).ToListAsync(cancellation);
        return holder.Count == 0 || holder[0] == campaign
            ? Problems.None
            : Problems.RuleViolation("The UTM campaign code belongs to another campaign.",
                $"Campaign {holder[0]} has the code '{code}'. Choose another 'utmCampaign'.",
                new Dictionary<string, object?> { ["existingCampaignId"] = holder[0] });
    }
}
