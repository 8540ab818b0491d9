using EventCrm.Audit;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace EventCrm.Customers;

/// <summary>The auditor's view of a customer: every event, and the customer as it was at any point.</summary>
public static class CustomerHistory
{
    [WolverineGet("/api/customers/{id}/history", OperationId = "GetCustomerHistory", Summary = "Every event of a customer",
        Description = "Oldest first, paged, each with its sequence, version, type, time, user, correlation and causation ids, headers and data as stored.")]
    [Authorize(Policy = Policies.Audit)]
    [Tags("Customers", "Audit")]
    public static Task<Results<Ok<Page<EventEntry>>, ProblemHttpResult>> GetHistory(Guid id, int? page, int? pageSize,
        IQuerySession session, EventLog events, CancellationToken cancellation) =>
        StreamHistory.History<Customer>(id, "customer", page, pageSize, session, events, cancellation);

    [WolverineGet("/api/customers/{id}/as-of", OperationId = "GetCustomerAsOf", Summary = "A customer as it was",
        Description = "The profile rebuilt from the events up to 'version', or up to the instant 'at' (ISO 8601). Give exactly one.")]
    [Authorize(Policy = Policies.Audit)]
    [Tags("Customers", "Audit")]
    public static async Task<Results<Ok<CustomerProfile>, ProblemHttpResult>> GetAsOf(Guid id, int? version,
        DateTimeOffset? at, IQuerySession session, CancellationToken cancellation)
    {
        var result = await StreamHistory.AsOf<Customer, CustomerProfile>(id, "customer", version, at, session, cancellation);
        if (result.Result is Ok<CustomerProfile> { Value: { } profile } && at is { } when) profile.AsOf(when);
        return result;
    }

    internal static ProblemHttpResult Missing(Guid id) => StreamHistory.Missing("customer", id);
}
