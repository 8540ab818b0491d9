using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Customers;

/// <summary>
/// Folds a duplicate into this customer (the survivor): the survivor takes over the duplicate's purchases,
/// tags and consents; the duplicate's stream ends with <see cref="CustomerMergedInto"/>. Both histories stay.
/// <c>version</c> is the survivor's; <c>duplicateVersion</c>, when sent, is checked against the duplicate.
/// </summary>
public record MergeCustomers(int Version, Guid DuplicateId, int? DuplicateVersion = null);

/// <summary>
/// The duplicate's stream, under its own type: Wolverine matches values by type, and a second
/// IEventStream&lt;Customer&gt; would be taken for the survivor's.
/// </summary>
public sealed record DuplicateStream(IEventStream<Customer> Stream)
{
    public Customer? Customer => Stream.Aggregate;
}

public static class MergeCustomersEndpoint
{
    /// <summary>The duplicate is fetched for writing in the same session: a change to it meanwhile is a 409.</summary>
    public static async Task<DuplicateStream> LoadAsync(MergeCustomers command, IDocumentSession session,
        CancellationToken cancellation) =>
        new(await session.Events.FetchForWriting<Customer>(command.DuplicateId, cancellation));

    public static ProblemDetails Validate(MergeCustomers command, Customer customer, DuplicateStream duplicate)
    {
        var errors = new FieldErrors().RequireExpectedVersion(command.Version);
        if (command.DuplicateId == Guid.Empty) errors.Add("duplicateId", "'duplicateId' is required.");
        else if (command.DuplicateId == customer.Id) errors.Add("duplicateId", "A customer cannot be merged into itself.");

        return Problems.FirstOf(
            errors.ForCommand(command.Version, customer),
            duplicate.Customer is null
                ? Problems.NotFound($"No customer has id {command.DuplicateId}.")
                : Problems.None,
            duplicate.Customer is { } found && command.DuplicateVersion is { } expected
                ? ExpectedVersion.Check(expected, found.Version)
                : Problems.None,
            duplicate.Customer is { Status: CustomerStatus.Merged or CustomerStatus.Erased } closed
                ? CustomerChecks.RefuseIfClosed(closed)
                : Problems.None);
    }

    [WolverinePost("/api/customers/{customerId}/merge", OperationId = "MergeCustomers", Summary = "Merge a duplicate into this customer",
        Description = "This customer survives and takes over the duplicate's purchases, tags and consents. Reads of the duplicate then point here; both histories stay intact.")]
    [Authorize(Policy = Policies.CustomersWrite)]
    [Tags("Customers")]
    public static (VersionResponse, Events, DuplicateScan.Forget) Post(MergeCustomers command, [Target] Customer customer,
        DuplicateStream duplicate, TimeProvider clock)
    {
        var (merged, mergedInto) = Decide(customer, duplicate.Customer!, clock.GetUtcNow());
        duplicate.Stream.AppendOne(mergedInto);
        return (new VersionResponse(customer.Version + 1), [merged], new DuplicateScan.Forget(command.DuplicateId));
    }

    /// <summary>The event for each side of the merge.</summary>
    public static (CustomerMerged Survivor, CustomerMergedInto Duplicate) Decide(Customer survivor, Customer duplicate,
        DateTimeOffset now) =>
        (new CustomerMerged(duplicate.Id, [.. duplicate.Purchases], [.. duplicate.Tags.Except(survivor.Tags)],
                [.. duplicate.Consents], now),
            new CustomerMergedInto(survivor.Id, now));
}
