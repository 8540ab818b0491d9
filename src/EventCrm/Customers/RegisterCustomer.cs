using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

using TagNames = EventCrm.Customers.Tags;

namespace EventCrm.Customers;

public record RegisterCustomer(
    string Name,
    string Email,
    string? Phone = null,
    DateOnly? BirthDate = null,
    int? Age = null,
    decimal? AnnualIncome = null,
    string? Country = null,
    string? Region = null,
    string? Industry = null,
    string? AcquisitionSource = null,
    IReadOnlyList<string>? Tags = null) : IDemographicInput;

public record CustomerRegisteredResponse(Guid Id, int Version) : CreationResponse($"/api/customers/{Id}");

/// <summary>
/// A registration as the customer context takes it: every value cleaned once, into the forms it is stored in,
/// with the problem of what could not be cleaned (<see cref="Problems.None"/> when everything could). The API,
/// imports and lead conversion all register customers through it.
/// </summary>
public sealed record CustomerRegistration(
    string Name,
    string Email,
    string? Phone,
    Demographics? Demographics,
    string? AcquisitionSource,
    IReadOnlyList<string>? Tags,
    ProblemDetails Problem)
{
    public const int MaxSourceLength = 50;

    public static CustomerRegistration Of(RegisterCustomer command, CustomerRules rules, DateTimeOffset now)
    {
        var errors = new FieldErrors().RequireText("name", command.Name, ContactDetails.MaxNameLength);
        var (email, phone) = errors.CleanContact(command.Email, command.Phone, rules);
        errors.CheckDemographics(command, now)
            .OptionalText("acquisitionSource", command.AcquisitionSource, MaxSourceLength)
            .CheckTags("tags", command.Tags);
        return new CustomerRegistration(
            ContactDetails.NormaliseName(command.Name ?? ""),
            email ?? "",
            phone,
            Demographic.From(command),
            string.IsNullOrWhiteSpace(command.AcquisitionSource) ? null : TagNames.Normalise(command.AcquisitionSource),
            command.Tags is { Count: > 0 } ? TagNames.NormaliseAll(command.Tags) : null,
            errors.ToProblem());
    }

    /// <summary>The customer's first event: it became a customer at <paramref name="at"/>.</summary>
    public CustomerRegistered Registered(DateTimeOffset at) =>
        new(Name, Email, Phone, at, Demographics, AcquisitionSource, Tags);
}

public static class RegisterCustomerEndpoint
{
    public static CustomerRegistration Load(RegisterCustomer command, CustomerRules rules, TimeProvider clock) =>
        CustomerRegistration.Of(command, rules, clock.GetUtcNow());

    public static ProblemDetails Validate(CustomerRegistration registration) => registration.Problem;

    public static async Task<ProblemDetails> ValidateAsync(CustomerRegistration registration, IQuerySession session,
        CancellationToken cancellation) =>
        await EmailOwnership.RefuseIfTaken(session, registration.Email, null, cancellation);

    [WolverinePost("/api/customers", OperationId = "RegisterCustomer", Summary = "Register a customer",
        Description = "Starts the customer's event stream. The e-mail is stored trimmed and lower-case and may belong to one customer only (422 otherwise); the phone in E.164, the country as ISO 3166 alpha-2.")]
    [Authorize(Policy = Policies.CustomersWrite)]
    [Tags("Customers")]
    // The body is the command (what Wolverine binds and the OpenAPI document shows); the decision reads it cleaned.
    public static (CustomerRegisteredResponse, IStartStream) Post(RegisterCustomer command, CustomerRegistration registration,
        TimeProvider clock) =>
        Register(Guid.CreateVersion7(), registration, clock.GetUtcNow());

    /// <summary>The decision: a new stream whose first event is the registration.</summary>
    public static (CustomerRegisteredResponse, IStartStream) Register(Guid id, CustomerRegistration registration, DateTimeOffset now) =>
        (new CustomerRegisteredResponse(id, 1), MartenOps.StartStream<Customer>(id, registration.Registered(now)));
}
