using EventCrm.Infrastructure.Http;
using Marten;
using Microsoft.AspNetCore.Mvc;

namespace EventCrm.Customers;

/// <summary>An e-mail address belongs to at most one customer.</summary>
public static class EmailOwnership
{
    public static async Task<ProblemDetails> RefuseIfTaken(IQuerySession session, string? email, Guid? customerId,
        CancellationToken cancellation)
    {
        if (email is null) return Problems.None; // not an address at all: validation answers that

        var holder = await session.Query<CustomerProfile>()
            .Where(profile => profile.Email == email)
            .FirstOrDefaultAsync(cancellation);

        // A merged duplicate keeps its address in its history; the customer to point at is the survivor.
        var owner = holder?.MergedInto ?? holder?.Id;
        if (owner is null || holder!.Id == customerId || owner == customerId) return Problems.None;

        return Problems.RuleViolation(
            "The e-mail address belongs to another customer.",
            $"Customer {owner} is registered with this e-mail address.",
            new Dictionary<string, object?> { ["existingCustomerId"] = owner });
    }
}
