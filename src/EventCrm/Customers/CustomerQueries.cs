using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Http.Marten;
using Wolverine.Persistence;

namespace EventCrm.Customers;

/// <summary>One customer, as a client reads it.</summary>
public static class CustomerQueries
{
    [WolverineGet("/api/customers/{customerId}", OperationId = "GetCustomer", Summary = "A customer's profile",
        Description = "The current profile, including the version to send with the next command. A merged duplicate answers with status 'merged' and 'mergedInto', the survivor's id.")]
    [Authorize(Policy = Policies.CustomersRead)]
    [Tags("Customers")]
    public static CustomerProfile Get(
        [Document("customerId", OnMissing = OnMissing.ProblemDetailsWith404, MissingMessage = "No customer has id {0}")] CustomerProfile profile,
        TimeProvider clock) =>
        profile.AsOf(clock.GetUtcNow());
}
