using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Customers;

/// <summary>
/// Changes what is known about who the customer is. A member the body leaves out keeps its value; an explicit null
/// makes it unknown. Birth date and age go together: stating either replaces both.
/// </summary>
public record ChangeDemographics(
    int Version,
    DateOnly? BirthDate = null,
    int? Age = null,
    decimal? AnnualIncome = null,
    string? Country = null,
    string? Region = null,
    string? Industry = null,
    string? TimeZone = null) : IDemographicInput;

/// <summary>The stated members cleaned once, merged over what is known, with the fields that could not be cleaned.</summary>
public sealed record DemographicsChange(int Version, ChangeDemographics Stated, BodyFields Members, FieldErrors Errors)
{
    public static DemographicsChange Of(ChangeDemographics command, BodyFields stated, DateTimeOffset now) =>
        new(command.Version, command, stated,
            new FieldErrors().RequireExpectedVersion(command.Version).CheckDemographics(command, now));

    /// <summary>What is known after the change: each member as stated, or as it was.</summary>
    public Demographics? Over(Demographics? current)
    {
        var was = current ?? new Demographics(null, null, null, null, null, null);
        var statesAge = Members.Has("birthDate") || Members.Has("age");
        return Demographic.From(new ChangeDemographics(Version,
            statesAge ? Stated.BirthDate : was.BirthDate,
            statesAge ? Stated.Age : was.Age,
            Members.Has("annualIncome") ? Stated.AnnualIncome : was.AnnualIncome,
            Members.Has("country") ? Stated.Country : was.Country,
            Members.Has("region") ? Stated.Region : was.Region,
            Members.Has("industry") ? Stated.Industry : was.Industry,
            Members.Has("timeZone") ? Stated.TimeZone : was.TimeZone));
    }
}

public static class ChangeDemographicsEndpoint
{
    public static DemographicsChange Load(ChangeDemographics command, HttpContext http, TimeProvider clock) =>
        DemographicsChange.Of(command, BodyFields.Of(http), clock.GetUtcNow());

    public static ProblemDetails Validate(DemographicsChange change, Customer customer) =>
        change.Errors.ForCommand(change.Version, customer);

    [WolverinePost("/api/customers/{customerId}/demographics", OperationId = "ChangeDemographics",
        Summary = "Change a customer's birth date or age, income, country, region, industry and time zone",
        Description = "A member left out keeps its value; null makes it unknown. Birth date and age go together (stating either replaces both). Age is read as of today when no birth date is known.")]
    [Authorize(Policy = Policies.CustomersWrite)]
    [Tags("Customers")]
    public static (VersionResponse, Events) Post(ChangeDemographics command, DemographicsChange change, [Target] Customer customer,
        TimeProvider clock) =>
        Decide(change, customer, clock.GetUtcNow());

    public static (VersionResponse, Events) Decide(DemographicsChange change, Customer customer, DateTimeOffset now)
    {
        var empty = new Demographics(null, null, null, null, null, null);
        var demographics = change.Over(customer.Demographics) ?? empty;
        return demographics == (customer.Demographics ?? empty)
            ? (new VersionResponse(customer.Version), [])
            : (new VersionResponse(customer.Version + 1), [new DemographicsChanged(demographics, now)]);
    }
}
