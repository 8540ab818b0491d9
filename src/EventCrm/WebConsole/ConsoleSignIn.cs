using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace EventCrm.WebConsole;

/// <summary>
/// How the console signs people in, as <c>/console/sign-in.json</c>: with no <c>Auth:Authority</c>, by a pasted token;
/// with one, by the OpenID Connect authorization code flow with PKCE, the page being a public client of the provider
/// (<c>Auth:ConsoleClientId</c>). The endpoints come from the provider's discovery document, read once by the same
/// configuration manager that gives the API the provider's keys, so the page and the API agree on one provider.
/// </summary>
public static class ConsoleSignIn
{
    public const string Path = "/sign-in.json";

    /// <summary>Where the provider sends the browser back, under <c>/console/</c>.</summary>
    public const string CallbackPage = "signed-in.html";

    public sealed record Settings(Provider? Provider);

    public sealed record Provider(string Name, string AuthorizationEndpoint, string TokenEndpoint, string? EndSessionEndpoint,
        string ClientId, string Scope);

    /// <summary>The origin the pages may send requests to besides their own: the provider's, for the token exchange.</summary>
    public static string? ProviderOrigin(AuthOptions auth) =>
        auth.UsesAuthority && Uri.TryCreate(auth.Authority, UriKind.Absolute, out var authority)
            ? authority.GetLeftPart(UriPartial.Authority)
            : null;

    public static async Task Serve(HttpContext http)
    {
        var auth = http.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value;
        http.Response.Headers.CacheControl = "no-store";
        if (!auth.UsesAuthority)
        {
            await http.Response.WriteAsJsonAsync(new Settings(null));
            return;
        }

        var jwt = http.RequestServices.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme);
        OpenIdConnectConfiguration configuration;
        try
        {
            configuration = await jwt.ConfigurationManager!.GetConfigurationAsync(http.RequestAborted);
        }
        catch (Exception e) when (e is InvalidOperationException or HttpRequestException or IOException)
        {
            http.RequestServices.GetRequiredService<ILogger<Settings>>()
                .LogWarning(e, "The console could not read the discovery document of the OpenID Connect provider {Authority}", auth.Authority);
            http.Response.Headers.RetryAfter = "30";
            await Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "The sign-in provider could not be reached.",
                detail: $"The console signs in through {auth.Authority}, which did not answer with its OpenID Connect configuration. Try again in a moment.")
                .ExecuteAsync(http);
            return;
        }

        await http.Response.WriteAsJsonAsync(new Settings(new Provider(
            new Uri(auth.Authority!).Host,
            configuration.AuthorizationEndpoint,
            configuration.TokenEndpoint,
            string.IsNullOrEmpty(configuration.EndSessionEndpoint) ? null : configuration.EndSessionEndpoint,
            auth.ConsoleClientId,
            auth.ConsoleScope)));
    }
}
