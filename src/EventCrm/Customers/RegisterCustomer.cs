using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Customers;

public record RegisterCustomer(string Name, string Email, string? Phone);

public record CustomerRegisteredResponse(Guid Id, int Version) : CreationResponse($"/api/customers/{Id}");

public static class RegisterCustomerEndpoint
{
    public static ProblemDetails Validate(RegisterCustomer command, CustomerRules rules) =>
        new FieldErrors()
            .RequireText("name", command.Name, ContactDetails.MaxNameLength)
            .CheckContact(command.Email, command.Phone, rules)
            .ToProblem();

    public static async Task<ProblemDetails> ValidateAsync(RegisterCustomer command, IQuerySession session,
        CancellationToken cancellation) =>
        await EmailOwnership.RefuseIfTaken(session, ContactDetails.NormaliseEmail(command.Email), null, cancellation);

    [WolverinePost("/api/customers", OperationId = "RegisterCustomer", Summary = "Register a customer",
        Description = "Starts the customer's event stream. The e-mail is stored trimmed and lower-case and may belong to one customer only (422 otherwise); the phone is stored in E.164.")]
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
            clock.GetUtcNow());

        return (new CustomerRegisteredResponse(id, 1), MartenOps.StartStream<Customer>(id, registered));
    }
}
