using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Customers;

public record DeactivateCustomer(int Version, string? Reason = null);

public static class DeactivateCustomerEndpoint
{
    public const int MaxReasonLength = 500;

    public static ProblemDetails Validate(DeactivateCustomer command, Customer customer) => Problems.FirstOf(
        new FieldErrors()
            .RequireExpectedVersion(command.Version)
            .OptionalText("reason", command.Reason, MaxReasonLength)
            .ForCommand(command.Version, customer),
        customer.Status == CustomerStatus.Inactive
            ? Problems.RuleViolation("The customer is already inactive.", $"Customer {customer.Id} is inactive.")
            : Problems.None);

    [WolverinePost("/api/customers/{customerId}/deactivate", OperationId = "DeactivateCustomer", Summary = "Deactivate a customer")]
    [Authorize(Policy = Policies.CustomersWrite)]
    [Tags("Customers")]
    public static (VersionResponse, Events) Post(DeactivateCustomer command, [Target] Customer customer, TimeProvider clock) =>
        (new VersionResponse(customer.Version + 1),
            [new CustomerDeactivated(string.IsNullOrWhiteSpace(command.Reason) ? null : command.Reason.Trim(), clock.GetUtcNow())]);
}
