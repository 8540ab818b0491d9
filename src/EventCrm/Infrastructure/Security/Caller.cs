using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Wolverine.Http;

namespace EventCrm.Infrastructure.Security;

/// <summary>
/// Who a token names and what it may do, by the policy table itself: a client (the web console) shows what the
/// caller may use from this, and the API still decides every request.
/// </summary>
/// <param name="Policies">The capability policies the token's roles pass, e.g. <c>customers:read</c>, <c>audit</c>.</param>
/// <param name="ExpiresAt">When the token stops being accepted.</param>
public sealed record Caller(string User, IReadOnlyList<string> Roles, IReadOnlyList<string> Policies, DateTimeOffset? ExpiresAt);

public static class CallerEndpoint
{
    [WolverineGet("/api/me", OperationId = "GetCaller", Summary = "Who the token names, its roles and the policies they pass",
        Description = "For clients that show only what the caller may use; every endpoint still checks its own policy.")]
    [Authorize(Policy = Policies.SignedIn)]
    [Tags("Session")]
    public static Caller Get(ClaimsPrincipal user, IOptions<AuthOptions> auth)
    {
        var roles = user.FindAll(auth.Value.RoleClaimType).Select(c => c.Value).Distinct().Order(StringComparer.Ordinal).ToList();
        var policies = Policies.RolesFor.Where(p => p.Key != Policies.SignedIn && p.Value.Any(roles.Contains))
            .Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
        DateTimeOffset? expires = long.TryParse(user.FindFirst("exp")?.Value, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
        return new Caller(user.Identity?.Name ?? "", roles, policies, expires);
    }
}
