using System.Security.Cryptography;
using System.Text;

namespace EventCrm.Client;

/// <summary>
/// Verifies a delivery the Standard Webhooks way: the HMAC-SHA256 of <c>{webhook-id}.{webhook-timestamp}.{body}</c>
/// with the subscription's secret, compared with each signature in <c>webhook-signature</c> (during a rotation it
/// carries one per current secret), and a timestamp within five minutes of now, so that a captured delivery cannot be
/// replayed later.
/// </summary>
public static class WebhookSignature
{
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    public static bool IsAuthentic(string secret, string id, string timestamp, string signatures, string body, DateTimeOffset now)
    {
        if (!long.TryParse(timestamp, out var seconds) || Math.Abs(now.ToUnixTimeSeconds() - seconds) > Tolerance.TotalSeconds) return false;
        var key = Convert.FromBase64String(secret.StartsWith("whsec_", StringComparison.Ordinal) ? secret["whsec_".Length..] : secret);
        var expected = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}"));
        foreach (var signature in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!signature.StartsWith("v1,", StringComparison.Ordinal)) continue;
            var given = new byte[expected.Length];
            if (Convert.TryFromBase64String(signature[3..], given, out var length) && length == expected.Length
                && CryptographicOperations.FixedTimeEquals(given, expected))
                return true;
        }
        return false;
    }
}
