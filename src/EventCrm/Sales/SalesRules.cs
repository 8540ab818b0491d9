using System.Security.Claims;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Mvc;

namespace EventCrm.Sales;

/// <summary>Sales settings (section <c>Sales</c>).</summary>
public sealed class SalesRules
{
    public const string Section = "Sales";

    /// <summary>Chance that an open opportunity in each stage is won: the weights of pipeline and forecast.</summary>
    public Dictionary<OpportunityStage, decimal> StageProbabilities { get; set; } = new()
    {
        [OpportunityStage.Prospecting] = 0.10m,
        [OpportunityStage.Qualification] = 0.25m,
        [OpportunityStage.Proposal] = 0.50m,
        [OpportunityStage.Negotiation] = 0.75m,
        [OpportunityStage.Won] = 1m,
        [OpportunityStage.Lost] = 0m,
    };

    /// <summary>Leads one client address may send to one web form per minute.</summary>
    public int WebFormLeadsPerMinute { get; set; } = 10;

    /// <summary>The product category of the purchase recorded when an opportunity is won.</summary>
    public string WonOpportunityCategory { get; set; } = "Deals";

    public decimal Probability(OpportunityStage stage) => StageProbabilities.GetValueOrDefault(stage);
}

/// <summary>How an opportunity may move through its stages.</summary>
public static class Stages
{
    public static readonly OpportunityStage[] Open =
        [OpportunityStage.Prospecting, OpportunityStage.Qualification, OpportunityStage.Proposal, OpportunityStage.Negotiation];

    /// <summary>One step forward, or one step back to rework; winning and losing have their own commands.</summary>
    private static readonly Dictionary<OpportunityStage, OpportunityStage[]> Moves = new()
    {
        [OpportunityStage.Prospecting] = [OpportunityStage.Qualification],
        [OpportunityStage.Qualification] = [OpportunityStage.Proposal, OpportunityStage.Prospecting],
        [OpportunityStage.Proposal] = [OpportunityStage.Negotiation, OpportunityStage.Qualification],
        [OpportunityStage.Negotiation] = [OpportunityStage.Proposal],
    };

    /// <summary>A deal is won once a proposal has been made.</summary>
    public static readonly OpportunityStage[] Winnable = [OpportunityStage.Proposal, OpportunityStage.Negotiation];

    public static IReadOnlyList<OpportunityStage> AllowedFrom(OpportunityStage stage) =>
        Moves.GetValueOrDefault(stage) ?? [];

    public static ProblemDetails CheckMove(OpportunityStage from, OpportunityStage to)
    {
        if (to is OpportunityStage.Won or OpportunityStage.Lost)
            return Problems.RuleViolation("Won and lost are not stages to move to.",
                "Use POST .../win or .../lose to close an opportunity.");
        if (from == to) return Problems.None;
        return AllowedFrom(from).Contains(to)
            ? Problems.None
            : Problems.RuleViolation("This stage change is not allowed.",
                $"An opportunity in {from} can move to {(AllowedFrom(from).Count == 0 ? "no other stage" : string.Join(" or ", AllowedFrom(from)))}, not to {to}.",
                new Dictionary<string, object?> { ["allowed"] = AllowedFrom(from).Select(s => s.ToString()).ToArray() });
    }
}

/// <summary>Object-level authorisation: a sales user changes only what they own; an admin changes anything.</summary>
public static class Ownership
{
    public const string NotOwnerType = "urn:eventcrm:problem:not-owner";

    public static bool MayAct(ClaimsPrincipal user, string owner) =>
        user.IsInRole(Roles.Admin) || string.Equals(user.Identity?.Name, owner, StringComparison.Ordinal);

    public static ProblemDetails Check(ClaimsPrincipal user, string owner, string what) =>
        MayAct(user, owner)
            ? Problems.None
            : new ProblemDetails
            {
                Type = NotOwnerType,
                Title = "Only the owner (or an admin) may change this.",
                Status = StatusCodes.Status403Forbidden,
                Detail = $"This {what} belongs to {owner}.",
            };
}
