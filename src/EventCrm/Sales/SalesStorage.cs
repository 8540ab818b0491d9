using JasperFx.Events.Projections;
using Marten;

namespace EventCrm.Sales;

/// <summary>The sales context's part of the store: its projections, and the columns and indexes its queries use.</summary>
public static class SalesStorage
{
    public static void Configure(StoreOptions options)
    {
        options.Projections.Add<LeadViewProjection>(ProjectionLifecycle.Inline);
        options.Projections.Add<OpportunityViewProjection>(ProjectionLifecycle.Inline);
        options.Projections.Add<ActivityViewProjection>(ProjectionLifecycle.Inline);
        // Reports read this one; commands need not wait for it.
        options.Projections.Add<SalesPipelineProjection>(ProjectionLifecycle.Async);

        options.Schema.For<LeadView>()
            .Duplicate(x => x.Status)
            .Duplicate(x => x.Source)
            .Duplicate(x => x.CapturedAt);
        options.Schema.For<OpportunityView>()
            .Duplicate(x => x.Stage)
            .Duplicate(x => x.Owner)
            .Duplicate(x => x.CustomerId)
            .Duplicate(x => x.ExpectedCloseDate)
            .Duplicate(x => x.Amount);
        options.Schema.For<ActivityView>()
            .Duplicate(x => x.Owner)
            .Duplicate(x => x.OpenDueAt)
            .Duplicate(x => x.RegardingId)
            .Duplicate(x => x.CustomerId)
            .Duplicate(x => x.OccurredAt);
        options.Schema.For<SalesPipelineEntry>()
            .Duplicate(x => x.Stage)
            .Duplicate(x => x.Currency)
            .Duplicate(x => x.Amount)
            .Duplicate(x => x.IsOpen)
            .Duplicate(x => x.Outcome)
            .Duplicate(x => x.FurthestStage)
            .Duplicate(x => x.Owner)
            .Duplicate(x => x.Source)
            .Duplicate(x => x.OpenedAt)
            .Duplicate(x => x.ClosedAt)
            .Duplicate(x => x.ExpectedCloseDate);
    }
}
