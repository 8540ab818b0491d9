using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Mvc;

namespace EventCrm.Infrastructure.Security;

/// <summary>
/// A 403 says which roles the endpoint needs and which the token carries, so a caller knows what to ask for; the
/// challenge (401) and success paths are the framework's own.
/// </summary>
public sealed class ForbiddenNamesTheRoles(IProblemDetailsService problems) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy,
        PolicyAuthorizationResult authorizeResult)
    {
        if (!authorizeResult.Forbidden || context.User.Identity?.IsAuthenticated != true)
        {
            await _default.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        var needed = context.GetEndpoint()?.Metadata.GetOrderedMetadata<IAuthorizeData>()
            .Select(a => a.Policy).OfType<string>()
            .SelectMany(p => Policies.RolesFor.TryGetValue(p, out var roles) ? roles : [])
            .Distinct().ToList() ?? [];
        var held = context.User.FindAll(c => c.Type is "role" || c.Type.EndsWith("/role", StringComparison.Ordinal))
            .Select(c => c.Value).Distinct().ToList();

        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Type = "urn:eventcrm:problem:forbidden",
                Title = "Your token does not allow this.",
                Status = StatusCodes.Status403Forbidden,
                Detail = needed.Count > 0
                    ? $"This needs one of the roles {string.Join(", ", needed)}; your token carries {(held.Count > 0 ? string.Join(", ", held) : "no role")}."
                    : "Your token's roles do not allow this.",
                Extensions = { ["rolesNeeded"] = needed, ["rolesHeld"] = held },
            },
        });
    }
}
