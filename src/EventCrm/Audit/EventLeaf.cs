using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace EventCrm.Audit;

/// <summary>
/// What the sealed log commits to for one event: the fields that never change once appended, and SHA-256 hashes of
/// the headers and the payload as stored (their <c>jsonb</c> text), so that masking a payload later changes the
/// hash, not the leaf. Encoded without ambiguity (fixed-width integers, length-prefixed strings, a marker for
/// null), so that anyone can rebuild the leaf from an export: <c>docs/audit-proofs.py</c> does.
/// </summary>
public sealed record EventLeaf(
    long Sequence,
    Guid EventId,
    Guid StreamId,
    string? StreamType,
    long Version,
    string Type,
    DateTimeOffset Timestamp,
    string? User,
    string? CorrelationId,
    string? CausationId,
    byte[]? HeadersHash,
    byte[] PayloadHash)
{
    /// <summary>The first bytes of every leaf: the format, so that a later one can never be read as this one.</summary>
    public static readonly byte[] Format = "eventcrm-leaf-v1"u8.ToArray();

    /// <summary>Microseconds, UTC: what PostgreSQL keeps of a <c>timestamptz</c>.</summary>
    public static string Time(DateTimeOffset timestamp) =>
        timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    public byte[] Encode()
    {
        var buffer = new List<byte>(256);
        Bytes(buffer, Format);
        Int64(buffer, Sequence);
        buffer.AddRange(EventId.ToByteArray(bigEndian: true));
        buffer.AddRange(StreamId.ToByteArray(bigEndian: true));
        Text(buffer, StreamType);
        Int64(buffer, Version);
        Text(buffer, Type);
        Text(buffer, Time(Timestamp));
        Text(buffer, User);
        Text(buffer, CorrelationId);
        Text(buffer, CausationId);
        Bytes(buffer, HeadersHash);
        Bytes(buffer, PayloadHash);
        return [.. buffer];
    }

    public byte[] Hash() => MerkleTree.LeafHash(Encode());

    /// <summary>The same leaf with other content hashes: what it was sealed with, before an erasure masked it.</summary>
    public EventLeaf WithContent(byte[]? headersHash, byte[] payloadHash) =>
        this with { HeadersHash = headersHash, PayloadHash = payloadHash };

    private static void Int64(List<byte> buffer, long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        buffer.AddRange(bytes);
    }

    private static void Text(List<byte> buffer, string? value) =>
        Bytes(buffer, value is null ? null : Encoding.UTF8.GetBytes(value));

    /// <summary>A 4-byte big-endian length, then the bytes; 0xFFFFFFFF alone for null.</summary>
    private static void Bytes(List<byte> buffer, byte[]? value)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, value is null ? uint.MaxValue : (uint)value.Length);
        buffer.AddRange(length);
        if (value is not null) buffer.AddRange(value);
    }
}
