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
    IReadOnlyList<string>? Tags = null,
    DateTimeOffset? RegisteredAt = null,
    string? TimeZone = null) : IDemographicInput;

public record CustomerRegisteredResponse(Guid Id, int Version) : CreationResponse($"/api/customers/{Id}");

/// <summary>
/// A registration as the customer context takes it: every value cleaned once, into the forms it is stored in,
/// with the problem of what could not be cleaned (<see cref="Problems.None"/> when everything could). The API,
/// imports and lead conversion all register customers through it.
/// </summary>
/// <param name="RegisteredAt">
/// When it became a customer, if the sender knows (a migrated record); otherwise it becomes one when registered.
/// This is business time: the event's own timestamp still says when it was recorded.
/// </param>
public sealed record CustomerRegistration(
    string Name,
    string Email,
    string? Phone,
    Demographics? Demographics,
    string? AcquisitionSource,
    IReadOnlyList<string>? Tags,
    DateTimeOffset? RegisteredAt,
    ProblemDetails Problem)
{
    public const int MaxSourceLength = 50;

    /// <summary>No customer relationship is older than this: an earlier date is a typo, not history.</summary>
    public static readonly DateTimeOffset EarliestRegistration = new(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static CustomerRegistration Of(RegisterCustomer command, CustomerRules rules, DateTimeOffset now)
    {
        var errors = new FieldErrors().RequireText("name", command.Name, ContactDetails.MaxNameLength);
        var (email, phone) = errors.CleanContact(command.Email, command.Phone, rules);
        errors.CheckDemographics(command, now)
            .CheckRegisteredAt(command.RegisteredAt, now)
            .OptionalText("acquisitionSource", command.AcquisitionSource, MaxSourceLength)
            .CheckTags("tags", command.Tags);
        var demographics = AgeAtRegistration(Demographic.From(command), command.RegisteredAt, now, errors);
        return new CustomerRegistration(
            ContactDetails.NormaliseName(command.Name ?? ""),
            email ?? "",
            phone,
            demographics,
            string.IsNullOrWhiteSpace(command.AcquisitionSource) ? null : TagNames.Normalise(command.AcquisitionSource),
            command.Tags is { Count: > 0 } ? TagNames.NormaliseAll(command.Tags) : null,
            command.RegisteredAt?.ToUniversalTime(),
            errors.ToProblem());
    }

    /// <summary>
    /// An age is sent as it is today, and the event states it as of its own time (the registration): for a
    /// registration in the past, the age then. Whole years, as the birth year is worked out from it.
    /// </summary>
    private static Demographics? AgeAtRegistration(Demographics? demographics, DateTimeOffset? registeredAt, DateTimeOffset now,
        FieldErrors errors)
    {
        if (demographics?.Age is not { } age || registeredAt is not { } at || errors.Any) return demographics;
        var then = age - (now.UtcDateTime.Year - at.UtcDateTime.Year);
        if (then < 0) errors.Add("age", $"'age' {age} today means the customer was not yet born at 'registeredAt' ({at.UtcDateTime:yyyy-MM-dd}).");
        return demographics with { Age = Math.Max(0, then) };
    }

    /// <summary>The customer's first event: it became a customer when the sender says, or at <paramref name="now"/>.</summary>
    public CustomerRegistered Registered(DateTimeOffset now) =>
        new(Name, Email, Phone, RegisteredAt ?? now, Demographics, AcquisitionSource, Tags);
}

public static class RegistrationChecks
{
    /// <summary>A registration date may lie in the past (records migrated from elsewhere), never in the future.</summary>
    public static FieldErrors CheckRegisteredAt(this FieldErrors errors, DateTimeOffset? registeredAt, DateTimeOffset now)
    {
        if (registeredAt > now) errors.Add("registeredAt", "'registeredAt' cannot be in the future.");
        else if (registeredAt < CustomerRegistration.EarliestRegistration)
            errors.Add("registeredAt", $"'registeredAt' cannot be before {CustomerRegistration.EarliestRegistration:yyyy-MM-dd}.");
        return errors;
    }
}

public static class RegisterCustomerEndpoint
{
    public static CustomerRegistration Load(RegisterCustomer command, CustomerRules rules, TimeProvider clock) =>
        CustomerRegistration.Of(command, rules, clock.GetUtcNow());

    public static ProblemDetails Validate(CustomerRegistration registration) => registration.Problem;

    [WolverinePost("/api/customers", OperationId = "RegisterCustomer", Summary = "Register a customer",
        Description = "Starts the customer's event stream. The e-mail is stored trimmed and lower-case and may belong to one customer only (422 otherwise, naming that customer as existingCustomerId); the phone in E.164, the country as ISO 3166 alpha-2. registeredAt (optional, not in the future) is when it became a customer, for records migrated from elsewhere; without it, now.")]
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
