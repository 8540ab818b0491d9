using EventCrm.Audit;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Http.Marten;
using Wolverine.Persistence;

namespace EventCrm.Customers;

/// <summary>What of a customer's personal data a read showed, as the access log names it.</summary>
public static class PersonalDataReads
{
    public const string Profile = "profile";
    public const string History = "history";
    public const string AsOf = "as-of";
    public const string Timeline = "timeline";
    public const string Export = "export";
}

/// <summary>One customer, as a client reads it.</summary>
public static class CustomerQueries
{
    [WolverineGet("/api/customers/{customerId}", OperationId = "GetCustomer", Summary = "A customer's profile",
        Description = "The current profile, including the version to send with the next command. A merged duplicate answers with status 'merged' and 'mergedInto', the survivor's id.")]
    [Authorize(Policy = Policies.CustomersRead)]
    [Tags("Customers")]
    public static async Task<CustomerProfile> Get(
        [Document("customerId", OnMissing = OnMissing.ProblemDetailsWith404, MissingMessage = "No customer has id {0}")] CustomerProfile profile,
        TimeProvider clock, AccessLog access, HttpContext http)
    {
        await access.Read(http, profile.Id, PersonalDataReads.Profile);
        return profile.AsOf(clock.GetUtcNow());
    }
}
