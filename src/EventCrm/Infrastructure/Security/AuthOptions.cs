using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace EventCrm.Infrastructure.Security;

/// <summary>
/// JWT bearer settings (section <c>Auth</c>). Production points <see cref="Authority"/> at an OpenID Connect
/// provider; development signs its own tokens with <see cref="SigningKey"/>.
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";
    public const int MinimumKeyBytes = 32;

    public string Issuer { get; set; } = "eventcrm";
    public string Audience { get; set; } = "eventcrm-api";
    public string? Authority { get; set; }
    public string? SigningKey { get; set; }
    public string NameClaimType { get; set; } = "name";
    public string RoleClaimType { get; set; } = "role";
    public TimeSpan DevelopmentTokenLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>
    /// Whether the provider's discovery document must be fetched over HTTPS. Unset: everywhere but in Development.
    /// Turned off only for a provider on loopback (the console suite's in-process provider).
    /// </summary>
    public bool? RequireHttpsMetadata { get; set; }

    /// <summary>The console's client at the provider: a public client (no secret) that signs in with PKCE.</summary>
    public string ConsoleClientId { get; set; } = "eventcrm-console";

    /// <summary>What the console asks the provider for; the API needs only the access token's roles.</summary>
    public string ConsoleScope { get; set; } = "openid profile roles";

    public bool UsesAuthority => !string.IsNullOrWhiteSpace(Authority);

    public SymmetricSecurityKey Key()
    {
        var bytes = Encoding.UTF8.GetBytes(SigningKey ?? "");
        if (bytes.Length < MinimumKeyBytes)
            throw new InvalidOperationException(
                $"Auth:SigningKey must be at least {MinimumKeyBytes} bytes (or set Auth:Authority to use an OpenID Connect provider).");
        return new SymmetricSecurityKey(bytes);
    }
}
