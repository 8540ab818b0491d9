using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace EventCrm.Infrastructure.Security;

/// <summary>
/// JWT bearer authentication and role policies. Secure by default: the fallback policy requires an
/// authenticated user, so an endpoint is public only when it says <c>[AllowAnonymous]</c>.
/// </summary>
public static class CrmSecurity
{
    /// <summary>Browsers cannot send a bearer header to the jobs dashboard; it takes the token once as
    /// <c>?access_token=</c> and keeps it in this cookie, scoped to the dashboard's path.</summary>
    public const string DashboardCookie = "crm_dashboard_token";
    public const string DashboardPath = "/hangfire";

    public static IServiceCollection AddCrmSecurity(this IServiceCollection services, IConfiguration configuration,
        IHostEnvironment environment)
    {
        services.AddOptions<AuthOptions>()
            .Bind(configuration.GetSection(AuthOptions.Section))
            .Validate(o => o.UsesAuthority || Encoding.UTF8.GetByteCount(o.SigningKey ?? "") >= AuthOptions.MinimumKeyBytes,
                $"Auth:SigningKey must be at least {AuthOptions.MinimumKeyBytes} bytes, or Auth:Authority must name an OpenID Connect provider.")
            .ValidateOnStart();

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>>((jwt, auth) => Configure(jwt, auth.Value, environment));

        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, ForbiddenNamesTheRoles>();
        services.AddHostedService<DevelopmentBanner>();
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddCapabilityPolicies();
        return services;
    }

    private static AuthorizationBuilder AddCapabilityPolicies(this AuthorizationBuilder builder)
    {
        foreach (var (policy, roles) in Policies.RolesFor)
            builder.AddPolicy(policy, p => p.RequireAuthenticatedUser().RequireRole(roles));
        return builder;
    }

    private static void Configure(JwtBearerOptions jwt, AuthOptions auth, IHostEnvironment environment)
    {
        jwt.MapInboundClaims = false;
        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidIssuer = auth.Issuer,
            ValidateAudience = true,
            ValidAudience = auth.Audience,
            ValidateLifetime = true,
            ClockSkew = TimeSpan.FromSeconds(30),
            NameClaimType = auth.NameClaimType,
            RoleClaimType = auth.RoleClaimType,
        };

        if (auth.UsesAuthority)
        {
            jwt.Authority = auth.Authority;
            jwt.RequireHttpsMetadata = auth.RequireHttpsMetadata ?? !environment.IsDevelopment();
        }
        else
        {
            jwt.TokenValidationParameters.ValidateIssuerSigningKey = true;
            jwt.TokenValidationParameters.IssuerSigningKey = auth.Key();
            jwt.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
        }

        jwt.Events = new JwtBearerEvents { OnMessageReceived = ReadDashboardToken };
    }

    private static Task ReadDashboardToken(MessageReceivedContext context)
    {
        var http = context.HttpContext;
        if (!http.Request.Path.StartsWithSegments(DashboardPath)) return Task.CompletedTask;

        var fromQuery = http.Request.Query["access_token"].ToString();
        if (fromQuery.Length > 0)
        {
            context.Token = fromQuery;
            http.Response.Cookies.Append(DashboardCookie, fromQuery, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = http.Request.IsHttps,
                Path = DashboardPath,
            });
        }
        else if (http.Request.Cookies.TryGetValue(DashboardCookie, out var fromCookie))
        {
            context.Token = fromCookie;
        }
        return Task.CompletedTask;
    }
}
