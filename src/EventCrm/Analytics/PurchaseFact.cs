using EventCrm.Customers;
using EventCrm.Infrastructure.Projections;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace EventCrm.Analytics;

/// <summary>One purchase, attributed to the customer it belongs to now (the survivor after a merge).</summary>
public sealed class PurchaseFact
{
    public Guid Id { get; set; }
    public Guid CustomerId { get; set; }
    public decimal Amount { get; set; }
    public string Currency { get; set; } = "";
    public string Product { get; set; } = "";
    public string Category { get; set; } = "";
    public DateTimeOffset PurchasedAt { get; set; }
}

/// <summary>
/// Purchases as rows for analysts, projected asynchronously. A merge re-attributes the duplicate's purchases
/// to the survivor (same purchase id, so the row moves rather than doubling); a voided purchase goes. Replaying
/// the events over existing rows gives the same rows, so it is rebuilt without a teardown. Every event stores or
/// deletes whole facts and reads nothing, so a rebuild folds the events into the last write per purchase and writes
/// those in bulk.
/// </summary>
public partial class PurchaseFactProjection : EventProjection, IWritesWholeDocuments<PurchaseFact>
{
    public PurchaseFactProjection()
    {
        // Named in the domain's words: the name is shown to operators (health, metrics, the rebuild list).
        Name = "PurchaseFact";
        // A rebuild upserts every fact again over the rows there are: analysts never see the table empty.
        Options.TeardownDataOnRebuild = false;
    }

    public PurchaseFact Create(IEvent<PurchaseRecorded> recorded) => Fact(recorded.StreamId, recorded.Data);

    public void Project(IEvent<CustomerMerged> merged, IDocumentOperations operations)
    {
        foreach (var purchase in merged.Data.Purchases) operations.Store(Fact(merged.StreamId, purchase));
    }

    public void Project(PurchaseVoided voided, IDocumentOperations operations) => operations.Delete<PurchaseFact>(voided.PurchaseId);

    Guid IWritesWholeDocuments<PurchaseFact>.IdOf(PurchaseFact fact) => fact.Id;

    private static PurchaseFact Fact(Guid customer, PurchaseRecorded purchase) => new()
    {
        Id = purchase.PurchaseId,
        CustomerId = customer,
        Amount = purchase.Amount,
        Currency = purchase.Currency,
        Product = purchase.Product,
        Category = purchase.Category,
        PurchasedAt = purchase.PurchasedAt,
    };
}
