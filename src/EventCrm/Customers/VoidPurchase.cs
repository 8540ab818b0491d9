using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Customers;

/// <summary>Takes back a purchase recorded in error; it stays in the history, marked void.</summary>
public record VoidPurchase(int Version, string Reason);

public static class VoidPurchaseEndpoint
{
    public const int MaxReasonLength = 500;

    public static ProblemDetails Validate(VoidPurchase command, Guid purchaseId, Customer customer) =>
        Problems.FirstOf(
            new FieldErrors()
                .RequireExpectedVersion(command.Version)
                .RequireText("reason", command.Reason, MaxReasonLength)
                .ForCommand(command.Version, customer),
            customer.Purchases.Any(p => p.PurchaseId == purchaseId)
                ? Problems.None
                : Problems.NotFound($"Customer {customer.Id} has no purchase {purchaseId} (or it is void already)."));

    [WolverinePost("/api/customers/{customerId}/purchases/{purchaseId}/void", OperationId = "VoidPurchase", Summary = "Void a purchase",
        Description = "The purchase no longer counts in the customer's figures or the analytics; the history keeps both the purchase and why it was voided.")]
    [Authorize(Policy = Policies.CustomersWrite)]
    [Tags("Customers")]
    public static (VersionResponse, Events) Post(VoidPurchase command, Guid purchaseId, [Target] Customer customer, TimeProvider clock) =>
        (new VersionResponse(customer.Version + 1), [Decide(customer, purchaseId, command.Reason.Trim(), clock.GetUtcNow())]);

    /// <summary>The event that voids one of the customer's purchases.</summary>
    public static PurchaseVoided Decide(Customer customer, Guid purchaseId, string reason, DateTimeOffset now)
    {
        var purchase = customer.Purchases.Single(p => p.PurchaseId == purchaseId);
        var remaining = customer.Purchases.Where(p => p.PurchaseId != purchaseId).ToList();
        return new PurchaseVoided(purchase.PurchaseId, purchase.Amount, purchase.Currency, reason,
            remaining.Count == 0 ? null : remaining.Min(p => p.PurchasedAt),
            remaining.Count == 0 ? null : remaining.Max(p => p.PurchasedAt), now);
    }
}
