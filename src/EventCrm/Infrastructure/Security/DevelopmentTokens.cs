using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EventCrm.Infrastructure.Security;

/// <summary>Signs tokens with the configured development key: for local use, tests and demos.</summary>
public static class DevelopmentTokens
{
    public static string Mint(AuthOptions options, string user, IEnumerable<string> roles, DateTimeOffset now,
        TimeSpan? lifetime = null)
    {
        if (options.UsesAuthority)
            throw new InvalidOperationException("Tokens come from the configured Auth:Authority, not from this application.");
        if (string.IsNullOrWhiteSpace(user))
            throw new ArgumentException("A user name is required.", nameof(user));

        var roleList = roles.Select(r => r.Trim().ToLowerInvariant()).Where(r => r.Length > 0).Distinct().ToList();
        var unknown = roleList.Except(Roles.All).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"Unknown role(s): {string.Join(", ", unknown)}. Known: {string.Join(", ", Roles.All)}.");

        var claims = new List<Claim> { new("sub", user), new(options.NameClaimType, user) };
        claims.AddRange(roleList.Select(role => new Claim(options.RoleClaimType, role)));

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = options.Issuer,
            Audience = options.Audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + (lifetime ?? options.DevelopmentTokenLifetime)).UtcDateTime,
            SigningCredentials = new SigningCredentials(options.Key(), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }
}
