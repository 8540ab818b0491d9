using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Customers;

/// <summary>Adds and removes tags in one step; tags already there (or already absent) are ignored.</summary>
public record ChangeTags(int Version, IReadOnlyList<string>? Add = null, IReadOnlyList<string>? Remove = null);

public static class ChangeTagsEndpoint
{
    public static ProblemDetails Validate(ChangeTags command, Customer customer)
    {
        var problem = new FieldErrors()
            .RequireExpectedVersion(command.Version)
            .CheckTags("add", command.Add)
            .CheckTags("remove", command.Remove)
            .ForCommand(command.Version, customer);
        if (problem != Problems.None) return problem;

        var (added, removed) = Effect(command, customer);
        var count = customer.Tags.Count + added.Count - removed.Count;
        return count > Tags.MaxPerCustomer
            ? Problems.RuleViolation("Too many tags.", $"A customer has at most {Tags.MaxPerCustomer} tags; this would make {count}.")
            : Problems.None;
    }

    [WolverinePost("/api/customers/{customerId}/tags", OperationId = "ChangeTags", Summary = "Add and remove a customer's tags")]
    [Authorize(Policy = Policies.CustomersWrite)]
    [Tags("Customers")]
    public static (VersionResponse, Events) Post(ChangeTags command, [Target] Customer customer, TimeProvider clock)
    {
        var (added, removed) = Effect(command, customer);
        var now = clock.GetUtcNow();
        var events = new Events();
        if (added.Count > 0) events.Add(new TagsAdded(added, now));
        if (removed.Count > 0) events.Add(new TagsRemoved(removed, now));
        return (new VersionResponse(customer.Version + events.Count), events);
    }

    private static (IReadOnlyList<string> Added, IReadOnlyList<string> Removed) Effect(ChangeTags command, Customer customer)
    {
        var remove = Tags.NormaliseAll(command.Remove);
        var added = Tags.NormaliseAll(command.Add).Except(customer.Tags).Except(remove).ToList();
        var removed = remove.Intersect(customer.Tags).ToList();
        return (added, removed);
    }
}
