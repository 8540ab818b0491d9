using EventCrm.Audit;
using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using EventCrm.Marketing;
using EventCrm.Sales;
using EventCrm.Service;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace EventCrm.Timeline;

/// <summary>
/// Everything that happened to a customer and to what is linked to it, by time: its own stream, those of the
/// duplicates merged into it, and its leads, opportunities, activities, tickets and campaigns (what each campaign did
/// with the customer: sends, skips, opens, clicks, touches). A read view across contexts, so it sits above all of them.
/// </summary>
public static class CustomerTimeline
{
    [WolverineGet("/api/customers/{customerId}/timeline", OperationId = "GetCustomerTimeline", Summary = "A customer's timeline",
        Description = "The events of the customer and of everything linked to it (merged duplicates, leads, opportunities, activities, tickets, campaigns), oldest first, paged.")]
    [Authorize(Policy = Policies.CustomersRead)]
    [Tags("Customers")]
    public static async Task<Results<Ok<Page<EventEntry>>, ProblemHttpResult>> Get(Guid customerId, int? page, int? pageSize,
        IQuerySession session, EventLog events, AccessLog access, HttpContext http, CancellationToken cancellation)
    {
        if (new FieldErrors().CheckPaging(page, pageSize) is { Any: true } errors)
            return TypedResults.Problem(errors.ToProblem());
        var profile = await session.LoadAsync<CustomerProfile>(customerId, cancellation);
        if (profile is null) return CustomerHistory.Missing(customerId);

        var streams = new List<Guid> { customerId };
        streams.AddRange(profile.MergedDuplicates);
        var customers = streams.ToArray();
        streams.AddRange(await session.Query<OpportunityView>().Where(o => customers.Contains(o.CustomerId))
            .Select(o => o.Id).ToListAsync(cancellation));
        streams.AddRange(await session.Query<LeadView>().Where(l => l.CustomerId != null && customers.Contains(l.CustomerId.Value))
            .Select(l => l.Id).ToListAsync(cancellation));
        streams.AddRange(await session.Query<ActivityView>().Where(a => a.CustomerId != null && customers.Contains(a.CustomerId.Value))
            .Select(a => a.Id).ToListAsync(cancellation));
        streams.AddRange(await session.Query<TicketView>().Where(t => customers.Contains(t.CustomerId))
            .Select(t => t.Id).ToListAsync(cancellation));
        streams.AddRange(await session.Query<CampaignRecipientView>().Where(r => customers.Contains(r.CustomerId))
            .Select(r => r.Id).ToListAsync(cancellation));
        var timeline = await events.Read(new EventFilter(StreamIds: streams), EventOrder.Time,
            page ?? 1, pageSize ?? Paging.DefaultPageSize, cancellation);
        await access.Read(http, customerId, PersonalDataReads.Timeline);
        return TypedResults.Ok(timeline);
    }
}
