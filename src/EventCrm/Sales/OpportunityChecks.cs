using System.Security.Claims;
using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using Microsoft.AspNetCore.Mvc;

namespace EventCrm.Sales;

/// <summary>The checks opportunity commands share, in the order a client should fix them.</summary>
public static class OpportunityChecks
{
    public const int MaxTitleLength = 200;
    public const decimal MaxAmount = 1_000_000_000m;

    public static FieldErrors CheckAmount(this FieldErrors errors, string field, decimal amount)
    {
        if (amount <= 0) errors.Add(field, $"'{field}' must be more than 0.");
        if (amount > MaxAmount) errors.Add(field, $"'{field}' must be at most {MaxAmount}.");
        if (decimal.Round(amount, 4) != amount) errors.Add(field, $"'{field}' has at most 4 decimal places.");
        return errors;
    }

    public static FieldErrors CheckCloseDate(this FieldErrors errors, string field, DateOnly date, TimeProvider clock)
    {
        if (date == default) errors.Add(field, $"'{field}' is required (yyyy-MM-dd).");
        else if (date < DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime))
            errors.Add(field, $"'{field}' cannot be in the past.");
        return errors;
    }

    public static FieldErrors CheckOpportunity(this FieldErrors errors, string prefix, string? title, decimal amount,
        string? currency, DateOnly expectedCloseDate, string? owner, TimeProvider clock)
    {
        errors.RequireText($"{prefix}title", title, MaxTitleLength)
            .CheckAmount($"{prefix}amount", amount)
            .CheckCloseDate($"{prefix}expectedCloseDate", expectedCloseDate, clock)
            .OptionalText($"{prefix}owner", owner, AssignOwnerEndpoint.MaxOwnerLength);
        if (string.IsNullOrWhiteSpace(currency))
            errors.Add($"{prefix}currency", $"'{prefix}currency' is required.");
        else if (!RecordPurchaseEndpoint.Currencies.Contains(currency.Trim().ToUpperInvariant()))
            errors.Add($"{prefix}currency", $"'{prefix}currency' must be an ISO 4217 code such as EUR or USD.");
        return errors;
    }

    /// <summary>The owner of a new opportunity: the one named, else the user opening it.</summary>
    public static string OwnerOf(string? owner, ClaimsPrincipal user) =>
        string.IsNullOrWhiteSpace(owner) ? user.Identity?.Name ?? "" : owner.Trim();

    /// <summary>400 for bad fields, 403 unless the owner (or an admin), 409 for a stale version.</summary>
    public static ProblemDetails ForOpportunityCommand(this FieldErrors errors, int expectedVersion,
        Opportunity opportunity, ClaimsPrincipal user)
    {
        if (errors.Any) return errors.ToProblem();
        return Problems.FirstOf(
            Ownership.Check(user, opportunity.Owner, "opportunity"),
            ExpectedVersion.Check(expectedVersion, opportunity.Version));
    }

    public static ProblemDetails RefuseIfClosed(Opportunity opportunity, string action) =>
        opportunity.IsOpen
            ? Problems.None
            : Problems.RuleViolation($"The opportunity is {opportunity.Stage.ToString().ToLowerInvariant()}.",
                $"Reopen it before you {action}.");
}
