using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Customers;

/// <summary>Makes a sales user responsible for the customer; a null owner leaves the customer unassigned.</summary>
public record AssignOwner(int Version, string? Owner);

public static class AssignOwnerEndpoint
{
    public const int MaxOwnerLength = 100;

    public static ProblemDetails Validate(AssignOwner command, Customer customer) =>
        new FieldErrors()
            .RequireExpectedVersion(command.Version)
            .OptionalText("owner", command.Owner, MaxOwnerLength)
            .ForCommand(command.Version, customer);

    [WolverinePost("/api/customers/{customerId}/owner", OperationId = "AssignOwner", Summary = "Assign or unassign a customer's owner",
        Description = "The owner is the user name of a sales user, as it appears in their token.")]
    [Authorize(Policy = Policies.CustomersWrite)]
    [Tags("Customers")]
    public static (VersionResponse, Events) Post(AssignOwner command, [Target] Customer customer, TimeProvider clock)
    {
        var owner = string.IsNullOrWhiteSpace(command.Owner) ? null : command.Owner.Trim();
        if (owner == customer.Owner) return (new VersionResponse(customer.Version), []);

        object assigned = owner is null
            ? new OwnerUnassigned(clock.GetUtcNow())
            : new OwnerAssigned(owner, clock.GetUtcNow());
        return (new VersionResponse(customer.Version + 1), [assigned]);
    }
}
