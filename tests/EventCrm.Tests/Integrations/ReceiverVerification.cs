using System.Security.Cryptography;
using System.Text;

namespace EventCrm.Tests.Integrations;

/// <summary>
/// The receiver's verification from docs/integrations.md, verbatim: Standard Webhooks' scheme, checking every
/// signature in the header (the StandardWebhooks package 1.1.2 checks only the first, so a receiver still on the
/// previous secret during a rotation needs this).
/// </summary>
public static class ReceiverVerification
{
    public static bool IsAuthentic(string secret, string id, string timestamp, string signatures, string body, DateTimeOffset now)
    {
        // Refuse what is too old or too new: a captured delivery cannot be replayed later.
        if (!long.TryParse(timestamp, out var seconds) || Math.Abs(now.ToUnixTimeSeconds() - seconds) > 300) return false;
        var key = Convert.FromBase64String(secret.StartsWith("whsec_") ? secret["whsec_".Length..] : secret);
        var expected = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}"));
        foreach (var signature in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!signature.StartsWith("v1,")) continue;
            var given = new byte[expected.Length];
            if (Convert.TryFromBase64String(signature[3..], given, out var length) && length == expected.Length
                && CryptographicOperations.FixedTimeEquals(given, expected))
                return true;
        }
        return false;
    }
}
