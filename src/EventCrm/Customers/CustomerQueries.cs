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
    /// <summary>The customer's current profile, including the version to send with the next command.</summary>
    [WolverineGet("/api/customers/{id}", Name = "GetCustomer")]
    [Authorize(Policy = Policies.CustomersRead)]
    [Tags("Customers")]
    public static CustomerProfile Get([Document(OnMissing = OnMissing.ProblemDetailsWith404, MissingMessage = "No customer has id {0}")] CustomerProfile profile) =>
        profile;
}
