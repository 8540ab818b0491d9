using EventCrm.Infrastructure.Http;
using Microsoft.AspNetCore.Mvc;

namespace EventCrm.Customers;

/// <summary>The checks every command on an existing customer makes, in the order a client should fix them.</summary>
public static class CustomerChecks
{
    /// <summary>400 for bad fields, then 409 for a stale version, then 422 when the customer is merged or erased.</summary>
    public static ProblemDetails ForCommand(this FieldErrors errors, int expectedVersion, Customer customer)
    {
        if (errors.Any) return errors.ToProblem();
        var stale = ExpectedVersion.Check(expectedVersion, customer.Version);
        return stale != Problems.None ? stale : RefuseIfClosed(customer);
    }

    public static ProblemDetails RefuseIfClosed(Customer customer) => customer.Status switch
    {
        CustomerStatus.Merged => Problems.RuleViolation("The customer was merged into another.",
            $"Customer {customer.Id} was merged into {customer.MergedInto}; send commands to that customer.",
            new Dictionary<string, object?> { ["survivorId"] = customer.MergedInto }),
        CustomerStatus.Erased => Problems.RuleViolation("The customer's personal data was erased.",
            $"Customer {customer.Id} was erased and takes no further commands."),
        _ => Problems.None,
    };

    public static ProblemDetails RefuseIfInactive(Customer customer, string action) =>
        customer.Status == CustomerStatus.Inactive
            ? Problems.RuleViolation("The customer is inactive.",
                $"Reactivate customer {customer.Id} before you {action}.")
            : Problems.None;
}
