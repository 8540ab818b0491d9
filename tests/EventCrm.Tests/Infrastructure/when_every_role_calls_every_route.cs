using System.Security.Claims;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Alba;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Xunit.Abstractions;

namespace EventCrm.Tests.Infrastructure;

/// <summary>
/// The roles matrix, generated from the policy table (<see cref="Policies"/>) and what each mapped route declares:
/// every route × every role, no token, an expired token and a forged one. A role the route's policy lists never
/// gets 401 or 403 (save the object-level 403 for someone else's record); any other role gets 403; no valid token
/// gets 401. Public routes are named here, and only they may skip a policy; a route added tomorrow is in the matrix
/// without anyone adding it.
/// </summary>
[Collection(AppCollection.Name)]
public partial class when_every_role_calls_every_route(AppFixture app, ITestOutputHelper output)
{
    /// <summary>
    /// Routes anyone may call: health, the public web form, the checkpoints' public keys (a third party checks a
    /// proof with them), the routes the links in marketing mail open and the mail provider's webhook (each takes a
    /// signed token or body of its own), and the API reference's static files.
    /// </summary>
    private static bool IsPublic(string pattern) =>
        pattern is "/health/live" or "/health/ready" or "/api/forms/{formKey}/leads" or "/api/audit/keys"
        || when_a_caller_is_not_authorised.SignedPublicRoutes.Contains(pattern)
        || (pattern.StartsWith("/docs/", StringComparison.Ordinal) && Path.GetExtension(pattern) is ".js" or ".svg" or ".css" or ".ico" or ".png");

    /// <summary>Routes any valid token may call (no policy of their own): the API's description.</summary>
    private static bool IsForAnyToken(string pattern) =>
        pattern.StartsWith("/openapi/", StringComparison.Ordinal) || pattern.StartsWith("/docs", StringComparison.Ordinal);

    private sealed record Route(string Pattern, string Method, IReadOnlyList<string>? Roles);

    private IReadOnlyList<Route> Routes()
    {
        var routes = new List<Route>();
        foreach (var endpoint in app.Host.Services.GetServices<EndpointDataSource>().SelectMany(s => s.Endpoints).OfType<RouteEndpoint>())
        {
            var pattern = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            var policies = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).OfType<string>().ToList();
            IReadOnlyList<string>? roles = anonymous ? null
                : policies.Aggregate((IEnumerable<string>)Roles.All, (allowed, policy) => allowed.Intersect(Policies.RolesFor.TryGetValue(policy, out var r) ? r : [])).ToList();
            foreach (var method in endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                routes.Add(new Route(pattern, method, roles));
        }
        return routes;
    }

    [Fact]
    public void every_route_is_public_by_name_or_names_a_policy_of_the_table()
    {
        var unnamed = app.Host.Services.GetServices<EndpointDataSource>().SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is null)
            .Where(e => !e.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => a.Policy is { } p && Policies.RolesFor.ContainsKey(p)))
            .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/'))
            .Where(p => !IsForAnyToken(p))
            .Distinct().ToList();
        unnamed.ShouldBeEmpty("every route names a policy of Policies.RolesFor, or is listed as public");

        var anonymous = Routes().Where(r => r.Roles is null).Select(r => r.Pattern).Distinct().ToList();
        anonymous.Where(p => !IsPublic(p)).ShouldBeEmpty("only the routes listed as public allow anonymous callers");
    }

    [Fact]
    public async Task allowed_roles_pass_other_roles_get_403_and_no_valid_token_gets_401()
    {
        var variants = Roles.All.Select(role => (Name: role, Token: (string?)app.TokenFor("matrix", role), Role: (string?)role))
            .Append(("no token", null, null))
            .Append(("expired", DevelopmentTokens.Mint(app.Auth, "matrix", [Roles.Admin], DateTimeOffset.UtcNow.AddHours(-3), TimeSpan.FromHours(1)), null))
            .Append(("wrong signature", Forged(), null))
            .ToList();
        var routes = Routes();
        routes.Count.ShouldBeGreaterThan(80);

        var mismatches = new List<string>();
        var cells = 0;
        foreach (var route in routes)
        foreach (var (name, token, role) in variants)
        {
            cells++;
            var (status, type) = await Call(route, token);
            string? expected = route.Roles switch
            {
                // A public route's own refusal of a bad signature is no token check: its problem type says so.
                null => status is 401 or 403 && type != "urn:eventcrm:problem:invalid-signature" ? "anything but 401/403 (public)" : null,
                _ when role is null => status == 401 ? null : "401",
                { } allowed when allowed.Contains(role) =>
                    status == 401 || (status == 403 && type != "urn:eventcrm:problem:not-owner") ? "anything but 401/403" : null,
                _ => status == 403 ? null : "403",
            };
            if (expected is not null) mismatches.Add($"{route.Method} {route.Pattern} as {name}: {status}, expected {expected}");
        }

        output.WriteLine($"roles matrix: {routes.Count} routes × {variants.Count} callers = {cells} cells, {mismatches.Count} mismatches");
        mismatches.ShouldBeEmpty();
    }

    private async Task<(int Status, string? Type)> Call(Route route, string? token)
    {
        var url = RouteValue().Replace(route.Pattern, match => match.Groups[1].Value.StartsWith('*') ? "index.html" : Guid.NewGuid().ToString());
        var result = await app.Host.Scenario(s =>
        {
            if (token is not null) s.WithBearerToken(token);
            var verb = route.Method switch
            {
                "POST" => s.Post,
                "PUT" => s.Put,
                "PATCH" => s.Patch,
                "DELETE" => s.Delete,
                "HEAD" => s.Head,
                _ => s.Get,
            };
            verb.Url(url);
            s.IgnoreStatusCode();
        });
        var status = result.Context.Response.StatusCode;
        string? type = null;
        if (status is 401 or 403 && result.Context.Response.ContentType?.Contains("json") == true)
        {
            var text = await result.ReadAsTextAsync();
            if (text.Length > 0 && JsonDocument.Parse(text).RootElement.TryGetProperty("type", out var t)) type = t.GetString();
        }
        return (status, type);
    }

    private string Forged() => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = app.Auth.Issuer,
        Audience = app.Auth.Audience,
        Subject = new ClaimsIdentity([new Claim("name", "mallory"), new Claim("role", Roles.Admin)]),
        Expires = DateTime.UtcNow.AddHours(1),
        SigningCredentials = new SigningCredentials(
            new SymmetricSecurityKey(Encoding.UTF8.GetBytes("some-other-key-that-is-long-enough-1234567890")), SecurityAlgorithms.HmacSha256),
    });

    [GeneratedRegex(@"\{([^}:?]+)[^}]*\}")]
    private static partial Regex RouteValue();
}
