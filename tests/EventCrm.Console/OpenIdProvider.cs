using System.Collections.Concurrent;
using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using Microsoft.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace EventCrm.Console;

/// <summary>
/// An OpenID Connect provider in the test process (OpenIddict) that knows one public client, the console, with one
/// redirect address, and requires PKCE (S256). Its sign-in page asks for a name and a role, as a company's provider
/// would ask for a password: the access tokens it issues name that user with that role, for the API's audience.
/// It records what each authorization and token request carried, so a test can see the flow the browser ran.
/// </summary>
public sealed class OpenIdProvider : IAsyncDisposable
{
    public const string ClientId = "eventcrm-console";
    public const string Audience = "eventcrm-api";

    private readonly WebApplication _host;

    public string Issuer { get; }
    public string? RedirectUri { get; set; }
    public ConcurrentQueue<string> AuthorizationRequests { get; } = new();
    public ConcurrentQueue<string> TokenRequests { get; } = new();

    private OpenIdProvider(WebApplication host, string issuer)
    {
        _host = host;
        Issuer = issuer;
    }

    public static async Task<OpenIdProvider> Start()
    {
        var port = AppProcess.FreePort();
        var issuer = $"http://127.0.0.1:{port}/";
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(issuer);
        builder.Logging.ClearProviders();
        builder.Services.AddCors();
        builder.Services.AddAuthentication();
        OpenIdProvider? provider = null;
        builder.Services.AddOpenIddict().AddServer(server =>
        {
            server.SetIssuer(new Uri(issuer));
            server.SetAuthorizationEndpointUris("connect/authorize").SetTokenEndpointUris("connect/token");
            server.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
            server.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scopes.Roles);
            server.AddEphemeralEncryptionKey().AddEphemeralSigningKey();
            // The API validates the access token itself (a JWT signed with the keys the discovery document lists).
            server.DisableAccessTokenEncryption();
            // No application store: the one client is checked by the two handlers below.
            server.EnableDegradedMode();
            server.UseAspNetCore().EnableAuthorizationEndpointPassthrough().DisableTransportSecurityRequirement();
            server.AddEventHandler<OpenIddictServerEvents.ValidateAuthorizationRequestContext>(handler => handler.UseInlineHandler(context =>
            {
                provider!.AuthorizationRequests.Enqueue(
                    $"client_id={context.ClientId} redirect_uri={context.RedirectUri} code_challenge_method={context.Request.CodeChallengeMethod} " +
                    $"code_challenge={(string.IsNullOrEmpty(context.Request.CodeChallenge) ? "none" : "present")}");
                if (context.ClientId != ClientId) context.Reject(Errors.InvalidClient, "This provider knows only the EventCrm console.");
                else if (context.RedirectUri != provider.RedirectUri) context.Reject(Errors.InvalidRequest, "The redirect address is not the console's.");
                return default;
            }));
            server.AddEventHandler<OpenIddictServerEvents.ValidateTokenRequestContext>(handler => handler.UseInlineHandler(context =>
            {
                provider!.TokenRequests.Enqueue(
                    $"grant_type={context.Request.GrantType} client_id={context.ClientId} code_verifier={(string.IsNullOrEmpty(context.Request.CodeVerifier) ? "none" : "present")}");
                if (context.ClientId != ClientId) context.Reject(Errors.InvalidClient, "This provider knows only the EventCrm console.");
                return default;
            }));
        });

        var host = builder.Build();
        // The console exchanges the code from its own origin: the token endpoint answers cross-origin requests from loopback.
        host.UseCors(cors => cors.SetIsOriginAllowed(origin => new Uri(origin).IsLoopback).WithMethods("POST").AllowAnyHeader());
        host.UseAuthentication();
        host.MapMethods("/connect/authorize", [HttpMethods.Get, HttpMethods.Post], (Delegate)Authorize);
        provider = new OpenIdProvider(host, issuer);
        await host.StartAsync();
        return provider;
    }

    /// <summary>The sign-in page, then the signed-in answer: a code for the console's redirect address.</summary>
    private static async Task<IResult> Authorize(HttpContext http)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        var form = http.Request.HasFormContentType ? await http.Request.ReadFormAsync() : null;
        var user = form?["login_user"].ToString();
        var role = form?["login_role"].ToString();
        if (string.IsNullOrWhiteSpace(user) || string.IsNullOrWhiteSpace(role)) return Results.Content(SignInPage(request), "text/html; charset=utf-8");

        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.AddClaim(new Claim(Claims.Subject, user));
        identity.AddClaim(new Claim(Claims.Name, user));
        identity.AddClaim(new Claim(Claims.Role, role));
        var principal = new ClaimsPrincipal(identity);
        principal.SetScopes(request.GetScopes());
        principal.SetResources(Audience);
        principal.SetDestinations(_ => [Destinations.AccessToken, Destinations.IdentityToken]);
        return Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static string SignInPage(OpenIddictRequest request)
    {
        var hidden = string.Concat(request.GetParameters()
            .Select(p => $"<input type=\"hidden\" name=\"{WebUtility.HtmlEncode(p.Key)}\" value=\"{WebUtility.HtmlEncode((string?)p.Value)}\">"));
        return $"""
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Company sign-in</title><link rel="icon" href="data:,"></head>
            <body><main><h1>Company sign-in</h1>
            <form method="post" action="/connect/authorize">{hidden}
            <label for="login_user">User name</label> <input id="login_user" name="login_user" required>
            <label for="login_role">Role</label> <select id="login_role" name="login_role">
            <option>auditor</option><option>analyst</option><option>admin</option><option>sales</option></select>
            <button type="submit">Continue</button></form></main></body></html>
            """;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        await _host.DisposeAsync();
    }
}
