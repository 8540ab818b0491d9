using System.Security.Cryptography;

namespace EventCrm.Marketing;

/// <summary>
/// Stream ids derived from what a stream is about (RFC 9562 name-based UUIDs, version 5), so that a link, a bounce
/// or an imported touch finds the stream from the ids or address it carries, with no lookup table.
/// </summary>
public static class NameBasedId
{
    public static Guid Of(Guid space, ReadOnlySpan<byte> name)
    {
        var bytes = new byte[16 + name.Length];
        space.TryWriteBytes(bytes, bigEndian: true, out _);
        name.CopyTo(bytes.AsSpan(16));
        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(bytes, hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }

    public static Guid Of(Guid space, Guid first, Guid second)
    {
        Span<byte> name = stackalloc byte[32];
        first.TryWriteBytes(name[..16], bigEndian: true, out _);
        second.TryWriteBytes(name[16..], bigEndian: true, out _);
        return Of(space, name);
    }
}
