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

        var owner = await session.Query<CustomerProfile>()
            .Where(profile => profile.Email == email)
            .Select(profile => profile.Id)
            .FirstOrDefaultAsync(cancellation);

        if (owner == Guid.Empty || owner == customerId) return Problems.None;

        return Problems.RuleViolation(
            "The e-mail address belongs to another customer.",
            $"Customer {owner} is registered with this e-mail address.",
            new Dictionary<string, object?> { ["existingCustomerId"] = owner });
    }
}
