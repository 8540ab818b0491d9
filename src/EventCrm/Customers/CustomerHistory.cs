using EventCrm.Audit;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace EventCrm.Customers;

/// <summary>The auditor's view of a customer: every event, and the customer as it was at any point.</summary>
public static class CustomerHistory
{
    [WolverineGet("/api/customers/{id}/history", OperationId = "GetCustomerHistory", Summary = "Every event of a customer",
        Description = "Oldest first, paged, each with its sequence, version, type, time, user, correlation and causation ids, headers and data as stored.")]
    [Authorize(Policy = Policies.Audit)]
    [Tags("Customers", "Audit")]
    public static async Task<Results<Ok<Page<EventEntry>>, ProblemHttpResult>> GetHistory(Guid id, int? page,
        int? pageSize, IQuerySession session, NpgsqlDataSource database, CancellationToken cancellation)
    {
        if (new FieldErrors().CheckPaging(page, pageSize) is { Any: true } errors)
            return TypedResults.Problem(errors.ToProblem());
        if (!await IsCustomer(session, id, cancellation)) return Missing(id);

        return TypedResults.Ok(await EventLog.Read(database, new EventFilter(StreamIds: [id]), EventOrder.Sequence,
            page ?? 1, pageSize ?? Paging.MaxPageSize, cancellation));
    }

    /// <summary>The profile as it was after event number <c>version</c>, or at the instant <c>at</c> (ISO 8601).</summary>
    [WolverineGet("/api/customers/{id}/as-of", OperationId = "GetCustomerAsOf", Summary = "A customer as it was",
        Description = "The profile rebuilt from the events up to 'version', or up to the instant 'at' (ISO 8601). Give exactly one.")]
    [Authorize(Policy = Policies.Audit)]
    [Tags("Customers", "Audit")]
    public static async Task<Results<Ok<CustomerProfile>, ProblemHttpResult>> GetAsOf(Guid id, int? version,
        DateTimeOffset? at, IQuerySession session, CancellationToken cancellation)
    {
        if (version is null == at is null)
            return TypedResults.Problem(Problems.Validation(new Dictionary<string, string[]>
            {
                ["version"] = ["Give exactly one of 'version' (1 or more) or 'at' (an ISO 8601 time)."],
            }));
        if (version < 1)
            return TypedResults.Problem(Problems.Validation(new Dictionary<string, string[]>
            {
                ["version"] = ["'version' must be 1 or more."],
            }));

        var state = await session.Events.FetchStreamStateAsync(id, cancellation);
        if (state is null || state.AggregateType != typeof(Customer)) return Missing(id);
        if (version > state.Version)
            return TypedResults.Problem(Problems.NotFound($"Customer {id} has no version {version}; its latest is {state.Version}."));

        var profile = version is { } v
            ? await session.Events.AggregateStreamAsync<CustomerProfile>(id, version: v, token: cancellation)
            : await session.Events.AggregateStreamAsync<CustomerProfile>(id, timestamp: at!.Value, token: cancellation);

        return profile is null
            ? TypedResults.Problem(Problems.NotFound($"Customer {id} did not exist at {at:O}."))
            : TypedResults.Ok(at is { } when ? profile.AsOf(when) : profile);
    }

    internal static async Task<bool> IsCustomer(IQuerySession session, Guid id, CancellationToken cancellation) =>
        await session.Events.FetchStreamStateAsync(id, cancellation) is { } state && state.AggregateType == typeof(Customer);

    internal static ProblemHttpResult Missing(Guid id) =>
        TypedResults.Problem(Problems.NotFound($"No customer has id {id}."));
}
