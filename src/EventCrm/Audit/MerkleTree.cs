using System.Security.Cryptography;

namespace EventCrm.Audit;

/// <summary>
/// The Merkle tree hash of RFC 6962 / RFC 9162 (Certificate Transparency) over SHA-256, with its domain-separated
/// leaf and node hashes (0x00 and 0x01 prefixes, so that no leaf can pass for a node), and the two proofs: that a
/// leaf is in a tree of a given size (inclusion), and that a smaller tree is a prefix of a larger one
/// (consistency). Subtree hashes come from a function, so the same code serves the sealer's stored nodes and a
/// list of leaves in memory.
/// </summary>
public static class MerkleTree
{
    public const int HashSize = 32;

    public static byte[] LeafHash(ReadOnlySpan<byte> leaf)
    {
        Span<byte> input = leaf.Length < 1024 ? stackalloc byte[leaf.Length + 1] : new byte[leaf.Length + 1];
        input[0] = 0x00;
        leaf.CopyTo(input[1..]);
        return SHA256.HashData(input);
    }

    public static byte[] NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        Span<byte> input = stackalloc byte[1 + 2 * HashSize];
        input[0] = 0x01;
        left.CopyTo(input[1..]);
        right.CopyTo(input[(1 + HashSize)..]);
        return SHA256.HashData(input);
    }

    /// <summary>The hash of the empty tree: SHA-256 of nothing.</summary>
    public static byte[] EmptyRoot() => SHA256.HashData(ReadOnlySpan<byte>.Empty);

    /// <summary>MTH(D[start : start + size]) from the leaf hashes of a list.</summary>
    public static byte[] Root(IReadOnlyList<byte[]> leaves, long start, long size) =>
        size switch
        {
            0 => EmptyRoot(),
            1 => leaves[(int)start],
            _ => NodeHash(Root(leaves, start, Split(size)), Root(leaves, start + Split(size), size - Split(size))),
        };

    /// <summary>The largest power of two smaller than <paramref name="size"/> (size &gt; 1): where RFC 6962 splits a tree.</summary>
    public static long Split(long size)
    {
        var k = 1L;
        while (k << 1 < size) k <<= 1;
        return k;
    }

    /// <summary>
    /// The audit path of leaf <paramref name="index"/> in the tree of <paramref name="size"/> leaves (RFC 6962 PATH),
    /// nearest sibling first. <paramref name="subtree"/> answers MTH of a range (start, size).
    /// </summary>
    public static async Task<List<byte[]>> InclusionProof(long index, long size, Func<long, long, Task<byte[]>> subtree)
    {
        if (index < 0 || index >= size) throw new ArgumentOutOfRangeException(nameof(index), $"Leaf {index} is not in a tree of {size}.");
        var path = new List<byte[]>();
        await Path(index, 0, size);
        return path;

        async Task Path(long m, long start, long n)
        {
            if (n == 1) return;
            var k = Split(n);
            if (m < k)
            {
                await Path(m, start, k);
                path.Add(await subtree(start + k, n - k));
            }
            else
            {
                await Path(m - k, start + k, n - k);
                path.Add(await subtree(start, k));
            }
        }
    }

    /// <summary>The consistency proof from a tree of <paramref name="from"/> leaves to one of <paramref name="to"/> (RFC 6962 PROOF).</summary>
    public static async Task<List<byte[]>> ConsistencyProof(long from, long to, Func<long, long, Task<byte[]>> subtree)
    {
        if (from < 1 || from > to) throw new ArgumentOutOfRangeException(nameof(from), $"No consistency proof from {from} to {to}.");
        var proof = new List<byte[]>();
        if (from == to) return proof;
        await SubProof(from, 0, to, true);
        return proof;

        async Task SubProof(long m, long start, long n, bool whole)
        {
            if (m == n)
            {
                if (!whole) proof.Add(await subtree(start, n));
                return;
            }
            var k = Split(n);
            if (m <= k)
            {
                await SubProof(m, start, k, whole);
                proof.Add(await subtree(start + k, n - k));
            }
            else
            {
                await SubProof(m - k, start + k, n - k, false);
                proof.Add(await subtree(start, k));
            }
        }
    }

    /// <summary>The root a leaf and its audit path lead to (RFC 9162, 2.1.3.2), or null when the path does not fit the size.</summary>
    public static byte[]? RootFromInclusion(long index, long size, byte[] leaf, IReadOnlyList<byte[]> path)
    {
        if (index < 0 || index >= size) return null;
        long fn = index, sn = size - 1;
        var r = leaf;
        foreach (var p in path)
        {
            if (sn == 0) return null;
            if ((fn & 1) == 1 || fn == sn)
            {
                r = NodeHash(p, r);
                if ((fn & 1) == 0)
                    while ((fn & 1) == 0 && fn != 0) { fn >>= 1; sn >>= 1; }
            }
            else
            {
                r = NodeHash(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 ? r : null;
    }

    /// <summary>Checks a consistency proof between two roots (RFC 9162, 2.1.4.2).</summary>
    public static bool VerifyConsistency(long from, long to, byte[] fromRoot, byte[] toRoot, IReadOnlyList<byte[]> proof)
    {
        if (from < 1 || from > to) return false;
        if (from == to) return proof.Count == 0 && fromRoot.AsSpan().SequenceEqual(toRoot);
        if (proof.Count == 0) return false;
        var path = new List<byte[]>(proof);
        if ((from & (from - 1)) == 0) path.Insert(0, fromRoot);
        long fn = from - 1, sn = to - 1;
        while ((fn & 1) == 1) { fn >>= 1; sn >>= 1; }
        byte[] fr = path[0], sr = path[0];
        foreach (var c in path.Skip(1))
        {
            if (sn == 0) return false;
            if ((fn & 1) == 1 || fn == sn)
            {
                fr = NodeHash(c, fr);
                sr = NodeHash(c, sr);
                if ((fn & 1) == 0)
                    while ((fn & 1) == 0 && fn != 0) { fn >>= 1; sn >>= 1; }
            }
            else
            {
                sr = NodeHash(sr, c);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && fr.AsSpan().SequenceEqual(fromRoot) && sr.AsSpan().SequenceEqual(toRoot);
    }
}

/// <summary>
/// The right edge of a growing tree: one perfect subtree per set bit of its size, largest first. Appending a leaf
/// merges equal subtrees (each merge is a new perfect subtree, reported so the sealer can store it); the root is
/// the subtrees folded from the right, which is RFC 6962's MTH for any size.
/// </summary>
public sealed class Frontier
{
    private readonly List<byte[]> _subtrees;

    public Frontier(long size, IEnumerable<byte[]> subtrees)
    {
        Size = size;
        _subtrees = [.. subtrees];
        if (_subtrees.Count != long.PopCount(size))
            throw new InvalidOperationException($"A tree of {size} leaves has {long.PopCount(size)} edge subtrees, not {_subtrees.Count}.");
    }

    public long Size { get; private set; }

    public IReadOnlyList<byte[]> Subtrees => _subtrees;

    /// <summary>Adds a leaf; calls <paramref name="completed"/> with (level, index, hash) for each perfect subtree it completes above the leaves.</summary>
    public void Append(byte[] leafHash, Action<int, long, byte[]>? completed = null)
    {
        var hash = leafHash;
        var level = 0;
        var index = Size;
        // A set low bit of the size means the last subtree has the same height as the new one: merge, and go on.
        while (((Size >> level) & 1) == 1)
        {
            hash = MerkleTree.NodeHash(_subtrees[^1], hash);
            _subtrees.RemoveAt(_subtrees.Count - 1);
            level++;
            index >>= 1;
            completed?.Invoke(level, index, hash);
        }
        _subtrees.Add(hash);
        Size++;
    }

    public byte[] Root()
    {
        if (_subtrees.Count == 0) return MerkleTree.EmptyRoot();
        var root = _subtrees[^1];
        for (var i = _subtrees.Count - 2; i >= 0; i--) root = MerkleTree.NodeHash(_subtrees[i], root);
        return root;
    }
}
