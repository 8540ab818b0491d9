using Wolverine;
using Wolverine.Attributes;
using Wolverine.Marten;

namespace EventCrm.Customers;

/// <summary>
/// A won deal to record as a purchase: what the sales context sends when an opportunity is won. The customer
/// context owns it, as it owns every purchase. Its wire name is pinned to the one it had when sales declared it,
/// so that messages stored before an upgrade are still handled after it.
/// </summary>
[MessageIdentity("EventCrm.Sales.RecordOpportunityPurchase")]
public record RecordOpportunityPurchase(
    Guid CustomerId,
    Guid OpportunityId,
    decimal Amount,
    string Currency,
    string Product,
    string Category,
    DateTimeOffset WonAt);

/// <summary>
/// A won opportunity is a purchase of its customer. If the customer has since been merged, the purchase goes
/// to the survivor; an erased customer keeps no new records.
/// </summary>
public static class RecordOpportunityPurchaseHandler
{
    [AggregateHandler]
    public static (Events, OutgoingMessages) Handle(RecordOpportunityPurchase won, Customer customer, ILogger<Customer> logger)
    {
        switch (customer.Status)
        {
            case CustomerStatus.Merged:
                return ([], [won with { CustomerId = customer.MergedInto!.Value }]);
            case CustomerStatus.Erased:
                logger.LogInformation("Opportunity {Opportunity} won for erased customer {Customer}: no purchase recorded",
                    won.OpportunityId, customer.Id);
                return ([], []);
            default:
                // The opportunity's id names the purchase: one deal, one purchase, however often the message arrives.
                if (customer.Purchases.Any(p => p.PurchaseId == won.OpportunityId)) return ([], []);
                return ([new PurchaseRecorded(won.OpportunityId, won.Amount, won.Currency, won.Product, won.Category, won.WonAt)], []);
        }
    }
}
