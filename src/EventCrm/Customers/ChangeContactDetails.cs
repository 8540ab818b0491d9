using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Customers;

/// <summary>
/// Changes the customer's e-mail and/or phone. What the body leaves out keeps its value; an explicit null phone
/// removes it. The e-mail can be changed, never removed.
/// </summary>
public record ChangeContactDetails(int Version, string? Email = null, string? Phone = null);

/// <summary>
/// The command's e-mail and phone cleaned once into their stored forms: null when the body left the member out
/// (then it keeps its value), with the fields that could not be cleaned.
/// </summary>
public sealed record ContactChange(int Version, string? Email, bool PhoneStated, string? Phone, FieldErrors Errors)
{
    public static ContactChange Of(ChangeContactDetails command, BodyFields stated, CustomerRules rules)
    {
        var errors = new FieldErrors().RequireExpectedVersion(command.Version);
        string? email = null;
        if (stated.Has("email"))
        {
            if (command.Email is null) errors.Add("email", "'email' cannot be removed: a customer keeps an e-mail address. Send a new one, or leave it out.");
            else email = errors.CleanEmail(command.Email);
        }
        var phoneStated = stated.Has("phone");
        var phone = phoneStated ? errors.CleanPhone(command.Phone, rules) : null;
        return new ContactChange(command.Version, email, phoneStated, phone, errors);
    }
}

public static class ChangeContactDetailsEndpoint
{
    public static ContactChange Load(ChangeContactDetails command, HttpContext http, CustomerRules rules) =>
        ContactChange.Of(command, BodyFields.Of(http), rules);

    public static ProblemDetails Validate(ContactChange change, Customer customer) =>
        change.Errors.ForCommand(change.Version, customer);

    // An address another customer holds is refused by its claim, in the commit (EmailOwnership): no look-up first.

    [WolverinePost("/api/customers/{customerId}/contact-details", OperationId = "ChangeContactDetails",
        Summary = "Change a customer's e-mail and/or phone",
        Description = "Send the version you read: a stale one is a 409 naming the current version. A member left out keeps its value; \"phone\": null removes the phone. The same details again change nothing.")]
    [Authorize(Policy = Policies.CustomersWrite)]
    [Tags("Customers")]
    public static (VersionResponse, Events) Post(ChangeContactDetails command, ContactChange change, [Target] Customer customer,
        TimeProvider clock) =>
        Decide(change, customer, clock.GetUtcNow());

    public static (VersionResponse, Events) Decide(ContactChange change, Customer customer, DateTimeOffset now)
    {
        var email = change.Email ?? customer.Email;
        var phone = change.PhoneStated ? change.Phone : customer.Phone;
        // Sending what is already stored changes nothing and records nothing.
        return email == customer.Email && phone == customer.Phone
            ? (new VersionResponse(customer.Version), [])
            : (new VersionResponse(customer.Version + 1), [new ContactDetailsChanged(email, phone, now)]);
    }
}
