using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Customers;

/// <summary>Replaces what is known about who the customer is; a field left out or null becomes unknown.</summary>
public record ChangeDemographics(
    int Version,
    DateOnly? BirthDate = null,
    int? Age = null,
    decimal? AnnualIncome = null,
    string? Country = null,
    string? Region = null,
    string? Industry = null) : IDemographicInput;

public static class ChangeDemographicsEndpoint
{
    public static ProblemDetails Validate(ChangeDemographics command, Customer customer, TimeProvider clock) =>
        new FieldErrors()
            .RequireExpectedVersion(command.Version)
            .CheckDemographics(command, clock.GetUtcNow())
            .ForCommand(command.Version, customer);

    [WolverinePost("/api/customers/{customerId}/demographics", OperationId = "ChangeDemographics",
        Summary = "Change a customer's birth date or age, income, country, region and industry",
        Description = "Replaces all of them: send every field you want to keep. Age is read as of today when no birth date is known.")]
    [Authorize(Policy = Policies.CustomersWrite)]
    [Tags("Customers")]
    public static (VersionResponse, Events) Post(ChangeDemographics command, [Target] Customer customer,
        TimeProvider clock)
    {
        var demographics = Demographic.From(command) ?? new Demographics(null, null, null, null, null, null);
        if (demographics == (customer.Demographics ?? new Demographics(null, null, null, null, null, null)))
            return (new VersionResponse(customer.Version), []);

        return (new VersionResponse(customer.Version + 1), [new DemographicsChanged(demographics, clock.GetUtcNow())]);
    }
}
