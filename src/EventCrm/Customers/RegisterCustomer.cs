using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

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

public static class RegisterCustomerEndpoint
{
    public const int MaxSourceLength = 50;

    public static ProblemDetails Validate(RegisterCustomer command, CustomerRules rules, TimeProvider clock) =>
        new FieldErrors()
            .RequireText("name", command.Name, ContactDetails.MaxNameLength)
            .CheckContact(command.Email, command.Phone, rules)
            .CheckDemographics(command, clock.GetUtcNow())
            .OptionalText("acquisitionSource", command.AcquisitionSource, MaxSourceLength)
            .CheckTags("tags", command.Tags)
            .ToProblem();

    public static async Task<ProblemDetails> ValidateAsync(RegisterCustomer command, IQuerySession session,
        CancellationToken cancellation) =>
        await EmailOwnership.RefuseIfTaken(session, ContactDetails.NormaliseEmail(command.Email), null, cancellation);

    [WolverinePost("/api/customers", OperationId = "RegisterCustomer", Summary = "Register a customer",
        Description = "Starts the customer's event stream. The e-mail is stored trimmed and lower-case and may belong to one customer only (422 otherwise); the phone in E.164, the country as ISO 3166 alpha-2.")]
    [Authorize(Policy = Policies.CustomersWrite)]
    [Tags("Customers")]
    public static (CustomerRegisteredResponse, IStartStream) Post(RegisterCustomer command, CustomerRules rules,
        TimeProvider clock)
    {
        var id = Guid.CreateVersion7();
        var registered = new CustomerRegistered(
            ContactDetails.NormaliseName(command.Name),
            ContactDetails.NormaliseEmail(command.Email)!,
            ContactDetails.NormalisePhone(command.Phone, rules.DefaultPhoneRegion),
            clock.GetUtcNow(),
            Demographic.From(command),
            string.IsNullOrWhiteSpace(command.AcquisitionSource) ? null : Tags.Normalise(command.AcquisitionSource),
            command.Tags is { Count: > 0 } ? Tags.NormaliseAll(command.Tags) : null);

        return (new CustomerRegisteredResponse(id, 1), MartenOps.StartStream<Customer>(id, registered));
    }
}
