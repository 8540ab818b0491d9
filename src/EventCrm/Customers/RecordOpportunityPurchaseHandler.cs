using EventCrm.Sales;
using Wolverine;
using Wolverine.Marten;

namespace EventCrm.Customers;

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
