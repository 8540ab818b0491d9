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
    [WolverineGet("/api/customers/{customerId}/history", OperationId = "GetCustomerHistory", Summary = "Every event of a customer",
        Description = "Oldest first, paged, each with its sequence, version, type, time, user, correlation and causation ids, headers and data as stored. With proofs=true also the evidence that they are the sealed events: a checkpoint, the keys and an inclusion proof per event.")]
    [Authorize(Policy = Policies.Audit)]
    [Tags("Customers", "Audit")]
    public static async Task<Results<Ok<HistoryPage>, ProblemHttpResult>> GetHistory(Guid customerId, int? page, int? pageSize,
        bool? proofs, IQuerySession session, EventLog events, Proofs provenance, AccessLog access, HttpContext http,
        CancellationToken cancellation)
    {
        var result = await StreamHistory.History<Customer>(customerId, "customer", page, pageSize, proofs, session, events, provenance, cancellation);
        if (result.Result is Ok<HistoryPage>) await access.Read(http, customerId, PersonalDataReads.History);
        return result;
    }

    [WolverineGet("/api/customers/{customerId}/as-of", OperationId = "GetCustomerAsOf", Summary = "A customer as it was",
        Description = "The profile rebuilt from the events up to 'version', or up to the instant 'at' (ISO 8601). Give exactly one.")]
    [Authorize(Policy = Policies.Audit)]
    [Tags("Customers", "Audit")]
    public static async Task<Results<Ok<CustomerProfile>, ProblemHttpResult>> GetAsOf(Guid customerId, int? version,
        DateTimeOffset? at, IQuerySession session, TimeProvider clock, AccessLog access, HttpContext http, CancellationToken cancellation)
    {
        var result = await StreamHistory.AsOf<Customer, CustomerProfile>(customerId, "customer", version, at, session, clock, cancellation);
        if (result.Result is Ok<CustomerProfile>) await access.Read(http, customerId, PersonalDataReads.AsOf);
        if (result.Result is Ok<CustomerProfile> { Value: { } profile } && at is { } when) profile.AsOf(when);
        return result;
    }

    internal static ProblemHttpResult Missing(Guid id) => StreamHistory.Missing("customer", id);
}
