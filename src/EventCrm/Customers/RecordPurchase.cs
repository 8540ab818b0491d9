using System.Collections.Frozen;
using System.Globalization;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Customers;

/// <summary>A purchase the customer made; <c>purchasedAt</c> defaults to now and cannot be in the future.</summary>
public record RecordPurchase(
    int Version,
    decimal Amount,
    string Currency,
    string Product,
    string Category,
    DateTimeOffset? PurchasedAt = null);

public record PurchaseRecordedResponse(Guid PurchaseId, int Version);

public static class RecordPurchaseEndpoint
{
    public const decimal MaxAmount = 1_000_000_000m;
    public const int MaxProductLength = 200;
    public const int MaxCategoryLength = 100;

    /// <summary>ISO 4217 codes of the currencies the platform's ICU data knows.</summary>
    public static readonly FrozenSet<string> Currencies = CultureInfo.GetCultures(CultureTypes.SpecificCultures)
        .Select(culture => new RegionInfo(culture.Name).ISOCurrencySymbol)
        .Where(code => code.Length == 3 && code.All(char.IsAsciiLetterUpper))
        .ToFrozenSet();

    public static ProblemDetails Validate(RecordPurchase command, Customer customer, TimeProvider clock)
    {
        var errors = new FieldErrors().RequireExpectedVersion(command.Version);
        if (command.Amount <= 0) errors.Add("amount", "'amount' must be more than 0.");
        if (command.Amount > MaxAmount) errors.Add("amount", $"'amount' must be at most {MaxAmount}.");
        if (decimal.Round(command.Amount, 4) != command.Amount) errors.Add("amount", "'amount' has at most 4 decimal places.");
        if (string.IsNullOrWhiteSpace(command.Currency))
            errors.Add("currency", "'currency' is required.");
        else if (!Currencies.Contains(command.Currency.Trim().ToUpperInvariant()))
            errors.Add("currency", "'currency' must be an ISO 4217 code such as EUR or USD.");
        if (command.PurchasedAt > clock.GetUtcNow())
            errors.Add("purchasedAt", "'purchasedAt' cannot be in the future.");
        errors.RequireText("product", command.Product, MaxProductLength)
            .RequireText("category", command.Category, MaxCategoryLength);

        return Problems.FirstOf(
            errors.ForCommand(command.Version, customer),
            CustomerChecks.RefuseIfInactive(customer, "record a purchase"));
    }

    [WolverinePost("/api/customers/{customerId}/purchases", OperationId = "RecordPurchase", Summary = "Record a purchase",
        Description = "Amount in the given ISO 4217 currency; send an Idempotency-Key so that a retry cannot record it twice.")]
    [Authorize(Policy = Policies.CustomersWrite)]
    [Tags("Customers")]
    public static (PurchaseRecordedResponse, Events) Post(RecordPurchase command, [Target] Customer customer,
        TimeProvider clock)
    {
        var purchase = new PurchaseRecorded(
            Guid.CreateVersion7(),
            command.Amount,
            command.Currency.Trim().ToUpperInvariant(),
            ContactDetails.NormaliseName(command.Product),
            ContactDetails.NormaliseName(command.Category),
            command.PurchasedAt ?? clock.GetUtcNow());
        return (new PurchaseRecordedResponse(purchase.PurchaseId, customer.Version + 1), [purchase]);
    }
}
