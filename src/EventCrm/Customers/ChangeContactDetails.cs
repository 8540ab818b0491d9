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

public static class ChangeContactDetailsEndpoint
{
    public static ProblemDetails Validate(ChangeContactDetails command, Customer customer, CustomerRules rules) =>
        new FieldErrors()
            .RequireExpectedVersion(command.Version)
            .CheckContact(command.Email, command.Phone, rules)
            .ForCommand(command.Version, customer);

    public static async Task<ProblemDetails> ValidateAsync(ChangeContactDetails command, Guid customerId,
        IQuerySession session, CancellationToken cancellation) =>
        await EmailOwnership.RefuseIfTaken(session, ContactDetails.NormaliseEmail(command.Email), customerId, cancellation);

    [WolverinePost("/api/customers/{customerId}/contact-details", OperationId = "ChangeContactDetails",
        Summary = "Change a customer's e-mail and phone",
        Description = "Send the version you read: a stale one is a 409 naming the current version. A null phone removes it. The same details again change nothing.")]
    [Authorize(Policy = Policies.CustomersWrite)]
    [Tags("Customers")]
    public static (VersionResponse, Events) Post(ChangeContactDetails command, [Target] Customer customer,
        CustomerRules rules, TimeProvider clock)
    {
        var email = ContactDetails.NormaliseEmail(command.Email)!;
        var phone = ContactDetails.NormalisePhone(command.Phone, rules.DefaultPhoneRegion);

        // Sending what is already stored changes nothing and records nothing.
        if (email == customer.Email && phone == customer.Phone)
            return (new VersionResponse(customer.Version), []);

        return (new VersionResponse(customer.Version + 1),
            [new ContactDetailsChanged(email, phone, clock.GetUtcNow())]);
    }
}
