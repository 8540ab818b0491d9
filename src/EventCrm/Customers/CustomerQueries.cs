using EventCrm.Infrastructure.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Http.Marten;
using Wolverine.Persistence;

namespace EventCrm.Customers;

public static class CustomerQueries
{
    [WolverineGet("/api/customers/{id}", OperationId = "GetCustomer", Summary = "A customer's profile",
        Description = "The current profile, including the version to send with the next command.")]
    [Authorize(Policy = Policies.CustomersRead)]
    [Tags("Customers")]
    public static CustomerProfile Get([Document(OnMissing = OnMissing.ProblemDetailsWith404, MissingMessage = "No customer has id {0}")] CustomerProfile profile) =>
        profile;
}
