using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Customers;

public record ReactivateCustomer(int Version);

public static class ReactivateCustomerEndpoint
{
    public static ProblemDetails Validate(ReactivateCustomer command, Customer customer) => Problems.FirstOf(
        new FieldErrors().RequireExpectedVersion(command.Version).ForCommand(command.Version, customer),
        customer.Status == CustomerStatus.Active
            ? Problems.RuleViolation("The customer is already active.", $"Customer {customer.Id} is active.")
            : Problems.None);

    [WolverinePost("/api/customers/{customerId}/reactivate", OperationId = "ReactivateCustomer", Summary = "Reactivate a customer")]
    [Authorize(Policy = Policies.CustomersWrite)]
    [Tags("Customers")]
    public static (VersionResponse, Events) Post(ReactivateCustomer command, [Target] Customer customer, TimeProvider clock) =>
        (new VersionResponse(customer.Version + 1), [new CustomerReactivated(clock.GetUtcNow())]);
}
