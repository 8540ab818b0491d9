using Alba;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using System.Security.Claims;
using System.Text;

namespace EventCrm.Tests.Infrastructure;

[Collection(AppCollection.Name)]
public class when_a_caller_is_not_authorised(AppFixture app)
{
    /// <summary>
    /// Routes anyone may call: the health checks, the public web-form lead capture, the docs UI's own static
    /// files (scripts and icons; the page and the OpenAPI document it loads still need a token), and the routes the
    /// links in marketing mail lead to and the mail provider's webhook, each of which takes a signed token of its own
    /// and is rate-limited. Everything else must refuse a request without a token.
    /// </summary>
    private static bool IsPublic(string pattern) =>
        pattern is "/health/live" or "/health/ready" or "/api/forms/{formKey}/leads" or "/api/audit/keys" || SignedPublicRoutes.Contains(pattern) ||
        (pattern.StartsWith("/docs/") && Path.GetExtension(pattern) is ".js" or ".svg" or ".css" or ".ico" or ".png");

    /// <summary>The public routes that take a signed token (HMAC, expiring, single-use where it changes something) instead of a JWT.</summary>
    public static readonly string[] SignedPublicRoutes =
    [
        "/mail/unsubscribe/{token}", "/mail/preferences/{token}", "/mail/confirm/{token}", "/mail/open/{token}", "/mail/click/{token}",
        "/api/marketing/webhooks/mail",
    ];

    [Fact]
    public async Task every_endpoint_but_health_and_the_web_form_refuses_a_request_without_a_token()
    {
        var routes = app.Host.Services.GetServices<EndpointDataSource>()
            .SelectMany(source => source.Endpoints)
            .OfType<RouteEndpoint>()
            .Select(endpoint => (
                Pattern: "/" + endpoint.RoutePattern.RawText!.TrimStart('/'),
                Methods: endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]))
            .Where(route => !IsPublic(route.Pattern))
            .ToList();
        routes.Count.ShouldBeGreaterThan(5);

        foreach (var (pattern, methods) in routes)
        foreach (var method in methods)
        {
            var url = System.Text.RegularExpressions.Regex.Replace(pattern, @"\{\*?\*?([^}:]+)[^}]*\}",
                _ => Guid.NewGuid().ToString());
            var result = await app.Host.Scenario(s =>
            {
                var verb = method switch
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
            result.Context.Response.StatusCode.ShouldBe(401, $"{method} {pattern} answered without a token");
        }
    }

    [Fact]
    public void every_public_route_that_takes_a_signed_token_or_a_form_is_rate_limited()
    {
        var endpoints = app.Host.Services.GetServices<EndpointDataSource>().SelectMany(source => source.Endpoints).OfType<RouteEndpoint>()
            .Where(e => SignedPublicRoutes.Contains("/" + e.RoutePattern.RawText!.TrimStart('/')) || e.RoutePattern.RawText!.Contains("/leads"))
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>() is not null)
            .ToList();

        endpoints.Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/')).Distinct().Count().ShouldBe(SignedPublicRoutes.Length + 1);
        foreach (var endpoint in endpoints)
            endpoint.Metadata.GetMetadata<EventCrm.Infrastructure.Http.RateLimitedAttribute>().ShouldNotBeNull(endpoint.DisplayName);
    }

    [Fact]
    public async Task health_answers_without_a_token()
    {
        await app.Host.Scenario(s => s.Get.Url("/health/live"));
        var ready = await app.Host.Scenario(s => s.Get.Url("/health/ready"));
        var body = await ready.Body();
        var checks = body.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString());
        checks.Keys.ShouldBe(["projections", "postgres"], ignoreOrder: true);
        checks["postgres"].ShouldBe("Healthy", body.GetRawText());
        // The shared application's projections may trail the other tests' writes for a moment: that is Degraded, still 200.
        checks["projections"].ShouldBeOneOf(["Healthy", "Degraded"], body.GetRawText());
        body.GetProperty("status").GetString().ShouldBe(checks["projections"], body.GetRawText());
    }

    [Fact]
    public async Task a_token_signed_with_another_key_is_a_401()
    {
        var forged = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = app.Auth.Issuer,
            Audience = app.Auth.Audience,
            Subject = new ClaimsIdentity([new Claim("name", "mallory"), new Claim("role", Roles.Admin)]),
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new SigningCredentials(
                new SymmetricSecurityKey(Encoding.UTF8.GetBytes("some-other-key-that-is-long-enough-1234567890")),
                SecurityAlgorithms.HmacSha256),
        });

        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(forged);
            s.Get.Url($"/api/customers/{Guid.NewGuid()}");
            s.IgnoreStatusCode();
        });
        await result.ShouldBeProblem(401);
    }

    [Fact]
    public async Task an_expired_token_is_a_401()
    {
        var expired = DevelopmentTokens.Mint(app.Auth, "old", [Roles.Admin], DateTimeOffset.UtcNow.AddHours(-3),
            TimeSpan.FromHours(1));

        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(expired);
            s.Get.Url($"/api/customers/{Guid.NewGuid()}");
            s.IgnoreStatusCode();
        });
        await result.ShouldBeProblem(401);
    }

    [Fact]
    public async Task a_token_without_the_role_is_a_403()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("ann", Roles.Analyst));
            s.Get.Url($"/api/customers/{Guid.NewGuid()}/history");
            s.IgnoreStatusCode();
        });
        await result.ShouldBeProblem(403);
    }
}
