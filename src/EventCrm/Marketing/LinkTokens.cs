using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using EventCrm.Infrastructure.Security;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace EventCrm.Marketing;

/// <summary>What a public mail link may do; a token for one kind is refused by every other route.</summary>
public enum LinkKind { Unsubscribe, Preferences, Open, Click, Confirm }

/// <summary>What a signed link says: for whom, about what, until when, and (for single-use links) its nonce.</summary>
public sealed record LinkClaims(
    [property: JsonPropertyName("k")] LinkKind Kind,
    [property: JsonPropertyName("x")] long ExpiresAt,
    [property: JsonPropertyName("n")] string Nonce,
    [property: JsonPropertyName("c")] Guid? Campaign = null,
    [property: JsonPropertyName("u")] Guid? Customer = null,
    [property: JsonPropertyName("l")] Guid? Lead = null,
    [property: JsonPropertyName("e")] string? Email = null,
    [property: JsonPropertyName("p")] string? Purpose = null,
    [property: JsonPropertyName("v")] string? Version = null,
    [property: JsonPropertyName("r")] string? Url = null)
{
    public DateTimeOffset Expires => DateTimeOffset.FromUnixTimeSeconds(ExpiresAt);
}

/// <summary>A single-use link that has been used: its nonce, kept so that it cannot be used again.</summary>
public sealed class UsedLink
{
    public string Id { get; set; } = "";
    public LinkKind Kind { get; set; }
    public DateTimeOffset UsedAt { get; set; }
}

/// <summary>
/// The links in marketing mail: <c>base64url(claims).base64url(HMAC-SHA256)</c>, signed with a key of the
/// marketing context's own (<c>Marketing:Links:SigningKey</c>, or one derived from <c>Auth:SigningKey</c>). They
/// need no session: the signature says the link was made here, the expiry bounds it, and single-use links name a
/// nonce that is recorded when used.
/// </summary>
public sealed class LinkTokens(IOptions<MarketingRules> rules, IOptions<AuthOptions> auth)
{
    public const int MinimumKeyBytes = 32;
    private static readonly JsonSerializerOptions Json = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly Lazy<byte[]> _key = new(() => KeyOf(rules.Value.Links, auth.Value));

    /// <summary>The key, or why there is none (checked when the host starts).</summary>
    public static byte[] KeyOf(LinkRules links, AuthOptions auth)
    {
        if (!string.IsNullOrWhiteSpace(links.SigningKey))
        {
            var own = Encoding.UTF8.GetBytes(links.SigningKey);
            return own.Length >= MinimumKeyBytes
                ? own
                : throw new InvalidOperationException($"Marketing:Links:SigningKey must be at least {MinimumKeyBytes} bytes.");
        }
        if (Encoding.UTF8.GetByteCount(auth.SigningKey ?? "") >= AuthOptions.MinimumKeyBytes)
            return HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(auth.SigningKey!), 32,
                info: "eventcrm marketing links"u8.ToArray());
        throw new InvalidOperationException(
            $"Set Marketing:Links:SigningKey ({MinimumKeyBytes} bytes or more): the links in marketing mail are signed with it.");
    }

    public string Sign(LinkClaims claims)
    {
        var payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims, Json));
        return $"{payload}.{Base64Url(Mac(payload))}";
    }

    /// <summary>A link of <paramref name="kind"/> valid for <paramref name="lifetime"/> from <paramref name="now"/>.</summary>
    public string Sign(LinkKind kind, DateTimeOffset now, TimeSpan lifetime, Guid? campaign = null, Guid? customer = null,
        Guid? lead = null, string? email = null, string? purpose = null, string? version = null, string? url = null) =>
        Sign(new LinkClaims(kind, (now + lifetime).ToUnixTimeSeconds(), Convert.ToHexString(RandomNumberGenerator.GetBytes(12)).ToLowerInvariant(),
            campaign, customer, lead, email, purpose, version, url));

    /// <summary>The claims of a genuine, unexpired token of <paramref name="kind"/>, or the problem to answer with.</summary>
    public (LinkClaims? Claims, ProblemDetails Problem) Read(string? token, LinkKind kind, DateTimeOffset now)
    {
        var parts = (token ?? "").Split('.');
        if (parts.Length != 2 || !TryDecode(parts[1], out var mac) || !CryptographicOperations.FixedTimeEquals(mac, Mac(parts[0]))
            || !TryDecode(parts[0], out var payload))
            return (null, LinkProblems.Invalid);
        LinkClaims? claims;
        try { claims = JsonSerializer.Deserialize<LinkClaims>(payload, Json); }
        catch (JsonException) { return (null, LinkProblems.Invalid); }
        if (claims is null || claims.Kind != kind) return (null, LinkProblems.Invalid);
        return claims.Expires <= now ? (null, LinkProblems.Expired) : (claims, Infrastructure.Http.Problems.None);
    }

    /// <summary>409 when the single-use link was used already.</summary>
    public static async Task<ProblemDetails> RefuseIfUsed(IQuerySession session, LinkClaims claims, CancellationToken cancellation) =>
        await session.LoadAsync<UsedLink>(claims.Nonce, cancellation) is null ? Infrastructure.Http.Problems.None : LinkProblems.Used;

    /// <summary>Records the use; a second use committing at the same moment fails on the nonce's key.</summary>
    public static UsedLink Use(LinkClaims claims, DateTimeOffset now) => new() { Id = claims.Nonce, Kind = claims.Kind, UsedAt = now };

    /// <summary>
    /// The Message-ID of the campaign's mail to the customer: the same on every attempt, so a copy sent again after a
    /// crash is recognisably the same message, and tagged so that a bounce naming it can be trusted.
    /// </summary>
    public string MessageIdFor(Guid campaign, Guid customer, string domain) =>
        $"{campaign:N}.{customer:N}.{Tag(campaign, customer)}@{domain}";

    /// <summary>The campaign and customer a Message-ID of ours names, or null for any other (or a forged) one.</summary>
    public (Guid Campaign, Guid Customer)? RecipientOf(string? messageId)
    {
        var local = (messageId ?? "").Trim().TrimStart('<').TrimEnd('>').Split('@')[0].Split('.');
        if (local.Length != 3 || !Guid.TryParseExact(local[0], "N", out var campaign) || !Guid.TryParseExact(local[1], "N", out var customer))
            return null;
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(local[2]), Encoding.ASCII.GetBytes(Tag(campaign, customer)))
            ? (campaign, customer)
            : null;
    }

    private string Tag(Guid campaign, Guid customer) =>
        Convert.ToHexString(Mac($"mid.{campaign:N}.{customer:N}"))[..16].ToLowerInvariant();

    private byte[] Mac(string payload) => HMACSHA256.HashData(_key.Value, Encoding.ASCII.GetBytes("eventcrm-link." + payload));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryDecode(string text, out byte[] bytes)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - padded.Length % 4) % 4);
        bytes = [];
        if (text.Length == 0 || text.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))) return false;
        try { bytes = Convert.FromBase64String(padded); return true; }
        catch (FormatException) { return false; }
    }
}

/// <summary>How the public mail routes refuse a link.</summary>
public static class LinkProblems
{
    public const string InvalidType = "urn:eventcrm:problem:invalid-link";
    public const string ExpiredType = "urn:eventcrm:problem:link-expired";
    public const string UsedType = "urn:eventcrm:problem:link-used";

    public static ProblemDetails Invalid => new()
    {
        Type = InvalidType,
        Title = "This link is not valid.",
        Status = StatusCodes.Status400BadRequest,
        Detail = "The link was not made by us or was changed on its way. Use the link exactly as it came in the e-mail.",
    };

    public static ProblemDetails Expired => new()
    {
        Type = ExpiredType,
        Title = "This link has expired.",
        Status = StatusCodes.Status410Gone,
        Detail = "Links in our e-mails work for a limited time. Use the link in a more recent e-mail, or ask us directly.",
    };

    public static ProblemDetails Used => new()
    {
        Type = UsedType,
        Title = "This link has been used already.",
        Status = StatusCodes.Status409Conflict,
        Detail = "Each of these links works once, and this one has done its work.",
    };
}
