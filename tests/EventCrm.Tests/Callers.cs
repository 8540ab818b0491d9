using System.Security.Claims;
using EventCrm.Infrastructure.Security;

namespace EventCrm.Tests;

/// <summary>Signed-in users as the decisions see them: a name and roles, with the claim types the API reads.</summary>
public static class Callers
{
    public static ClaimsPrincipal Sales(string name) => With(name, Roles.Sales);

    public static ClaimsPrincipal Admin(string name = "root") => With(name, Roles.Admin);

    public static ClaimsPrincipal Support(string name) => With(name, Roles.Support);

    private static ClaimsPrincipal With(string name, params string[] roles) =>
        new(new ClaimsIdentity([new Claim("name", name), .. roles.Select(role => new Claim("role", role))], "test", "name", "role"));
}
