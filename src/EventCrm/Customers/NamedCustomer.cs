using EventCrm.Infrastructure.Http;
using Marten;
using Microsoft.AspNetCore.Mvc;

namespace EventCrm.Customers;

/// <summary>
/// The customer a command of another context names (an opportunity's, a ticket's), looked up before that command
/// decides; and the answer every such command gives when the customer cannot take new records.
/// </summary>
public sealed record NamedCustomer(CustomerProfile? Profile)
{
    public static async Task<NamedCustomer> Find(IQuerySession session, Guid id, CancellationToken cancellation) =>
        new(id == Guid.Empty ? null : await session.LoadAsync<CustomerProfile>(id, cancellation));

    /// <summary>The customer an e-mail address belongs to, if any (by its claim, which no rebuild removes).</summary>
    public static async Task<NamedCustomer> WithEmail(IQuerySession session, string? email, CancellationToken cancellation) =>
        new(ContactDetails.NormaliseEmail(email) is { } normalised && await EmailOwnership.OwnerOf(session, normalised, cancellation) is { } owner
            ? await session.LoadAsync<CustomerProfile>(owner, cancellation)
            : null);

    /// <summary>The customer new records go to: the survivor, for a merged duplicate.</summary>
    public Guid? Id => Profile?.MergedInto ?? Profile?.Id;

    /// <summary>404 for an unknown customer, 422 for a merged or erased one; <paramref name="what"/> names the new record.</summary>
    public ProblemDetails RefuseUnlessOpen(Guid named, string what, string plural) =>
        Profile switch
        {
            null => Problems.NotFound($"No customer has id {named}."),
            { Status: CustomerStatus.Merged, MergedInto: { } survivor } => Problems.RuleViolation(
                "The customer is merged.", $"Open the {what} for customer {survivor}."),
            { Status: CustomerStatus.Erased } => Problems.RuleViolation(
                "The customer is erased.", $"Erased customers take no new {plural}."),
            _ => Problems.None,
        };
}
