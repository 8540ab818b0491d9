using System.Security.Cryptography;

namespace EventCrm.Audit;

/// <summary>A public key checkpoints are verified with, as published (<c>GET /api/audit/keys</c>): JWK coordinates and PEM.</summary>
public sealed record PublishedKey(string KeyId, string Algorithm, string Curve, string X, string Y, string PublicKeyPem, bool Active);

public sealed record PublishedKeys(IReadOnlyList<PublishedKey> Keys);

/// <summary>
/// The key that signs checkpoints (ECDSA P-256 with SHA-256, signatures as r‖s) and the public keys that verify
/// them. Keys come from configuration, never from the database, so whoever can write the database cannot sign. A
/// key's id is the first 8 bytes of the SHA-256 of its SubjectPublicKeyInfo, in hex: every checkpoint names the
/// key that signed it, so a rotated key's checkpoints keep verifying while its public key stays published.
/// </summary>
public sealed class AuditKeys : IDisposable
{
    public const string Algorithm = "ES256";
    private readonly ECDsa? _signer;
    private readonly Dictionary<string, ECDsa> _verifiers = [];
    private readonly List<PublishedKey> _published = [];

    public AuditKeys(Microsoft.Extensions.Options.IOptions<AuditRules> rules) : this(rules.Value.Signing)
    {
    }

    public AuditKeys(SigningRules rules)
    {
        if (Pem(rules.Key, rules.KeyFile) is { } privatePem)
        {
            _signer = ECDsa.Create();
            _signer.ImportFromPem(privatePem);
            if (_signer.KeySize != 256)
                throw new InvalidOperationException("Audit:Signing:Key must be an ECDSA P-256 private key (openssl ecparam -name prime256v1 -genkey).");
            ActiveKeyId = Add(_signer, active: true);
        }
        foreach (var entry in rules.PublicKeys.Where(e => !string.IsNullOrWhiteSpace(e)))
        {
            var key = ECDsa.Create();
            key.ImportFromPem(Pem(entry, null) ?? entry);
            Add(key, active: false);
        }
    }

    /// <summary>The active key's id; null when no signing key is configured (then no checkpoints are signed).</summary>
    public string? ActiveKeyId { get; }

    public IReadOnlyList<PublishedKey> Published => _published;

    public (string KeyId, byte[] Signature) Sign(byte[] data) =>
        _signer is null
            ? throw new InvalidOperationException("No checkpoint signing key is configured (Audit:Signing:Key or Audit:Signing:KeyFile).")
            : (ActiveKeyId!, _signer.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));

    /// <summary>False for a bad signature and for a key that is not published.</summary>
    public bool Verify(string keyId, byte[] data, byte[] signature) =>
        _verifiers.TryGetValue(keyId, out var key) &&
        key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    public static string KeyIdOf(ECDsa key) =>
        Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..16];

    /// <summary>A new P-256 private key as PKCS#8 PEM (for development and tests; production keys come from the operator).</summary>
    public static string NewPrivateKeyPem()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return key.ExportPkcs8PrivateKeyPem();
    }

    private string Add(ECDsa key, bool active)
    {
        var id = KeyIdOf(key);
        if (_verifiers.ContainsKey(id)) return id;
        var point = key.ExportParameters(false).Q;
        _verifiers[id] = key;
        _published.Add(new PublishedKey(id, Algorithm, "P-256", Base64Url(point.X!), Base64Url(point.Y!),
            key.ExportSubjectPublicKeyInfoPem(), active));
        return id;
    }

    /// <summary>PEM given inline, or read from a file.</summary>
    private static string? Pem(string? inline, string? file)
    {
        if (!string.IsNullOrWhiteSpace(inline) && inline.Contains("-----BEGIN", StringComparison.Ordinal)) return inline;
        var path = !string.IsNullOrWhiteSpace(file) ? file : inline;
        if (string.IsNullOrWhiteSpace(path)) return null;
        return File.Exists(path)
            ? File.ReadAllText(path)
            : throw new InvalidOperationException($"The audit key file '{path}' does not exist.");
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public void Dispose()
    {
        foreach (var key in _verifiers.Values) key.Dispose();
    }
}
