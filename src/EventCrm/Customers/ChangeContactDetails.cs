using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Customers;

/// <summary>Replaces the customer's e-mail and phone; a null or empty phone removes it.</summary>
public record ChangeContactDetails(int Version, string Email, string? Phone);

/// <summary>The command's e-mail and phone cleaned once into their stored forms, with the fields that could not be.</summary>
public sealed record ContactChange(int Version, string Email, string? Phone, FieldErrors Errors)
{
    public static ContactChange Of(ChangeContactDetails command, CustomerRules rules)
    {
        var errors = new FieldErrors().RequireExpectedVersion(command.Version);
        var (email, phone) = errors.CleanContact(command.Email, command.Phone, rules);
        return new ContactChange(command.Version, email ?? "", phone, errors);
    }
}

public static class ChangeContactDetailsEndpoint
{
    public static ContactChange Load(ChangeContactDetails command, CustomerRules rules) => ContactChange.Of(command, rules);

    public static ProblemDetails Validate(ContactChange change, Customer customer) =>
        change.Errors.ForCommand(change.Version, customer);

    public static async Task<ProblemDetails> ValidateAsync(ContactChange change, Guid customerId,
        IQuerySession session, CancellationToken cancellation) =>
        await EmailOwnership.RefuseIfTaken(session, change.Email, customerId, cancellation);

    [WolverinePost("/api/customers/{customerId}/contact-details", OperationId = "ChangeContactDetails",
        Summary = "Change a customer's e-mail and phone",
        Description = "Send the version you read: a stale one is a 409 naming the current version. A null phone removes it. The same details again change nothing.")]
    [Authorize(Policy = Policies.CustomersWrite)]
    [Tags("Customers")]
    public static (VersionResponse, Events) Post(ChangeContactDetails command, ContactChange change, [Target] Customer customer,
        TimeProvider clock) =>
        Decide(change, customer, clock.GetUtcNow());

    public static (VersionResponse, Events) Decide(ContactChange change, Customer customer, DateTimeOffset now) =>
        // Sending what is already stored changes nothing and records nothing.
        change.Email == customer.Email && change.Phone == customer.Phone
            ? (new VersionResponse(customer.Version), [])
            : (new VersionResponse(customer.Version + 1), [new ContactDetailsChanged(change.Email, change.Phone, now)]);
}
