using JasperFx.Events.Projections;
using Marten;

namespace EventCrm.Service;

/// <summary>The service context's part of the store: the ticket view, and the columns its queues and report use.</summary>
public static class ServiceStorage
{
    public static void Configure(StoreOptions options)
    {
        options.Projections.Add<TicketViewProjection>(ProjectionLifecycle.Inline);

        options.Schema.For<TicketView>()
            .Duplicate(x => x.CustomerId)
            .Duplicate(x => x.Kind)
            .Duplicate(x => x.Priority)
            .Duplicate(x => x.Channel)
            .Duplicate(x => x.Status)
            .Duplicate(x => x.IsActive)
            .Duplicate(x => x.Assignee)
            .Duplicate(x => x.Queue)
            .Duplicate(x => x.OpenedAt)
            .Duplicate(x => x.FirstResponseAt)
            .Duplicate(x => x.FirstResponseDueAt)
            .Duplicate(x => x.ResolutionDueAt)
            .Duplicate(x => x.FirstResponseOnTime)
            .Duplicate(x => x.ResolutionOnTime)
            .Duplicate(x => x.FirstResponseBreached)
            .Duplicate(x => x.ResolutionBreached)
            .Duplicate(x => x.Breached)
            .Duplicate(x => x.FirstResponseMinutes)
            .Duplicate(x => x.ResolutionMinutes)
            .Duplicate(x => x.EverResolved)
            .Duplicate(x => x.ReopenCount)
            .Duplicate(x => x.Satisfaction);
    }
}
