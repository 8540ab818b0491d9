using System.Text;
using EventCrm.Audit;

namespace EventCrm.Tests.Audit;

/// <summary>The tree hash and its proofs against the test vectors of RFC 6962's reference implementation.</summary>
public class MerkleTreeTests
{
    private static readonly byte[][] Inputs =
    [
        [], [0x00], [0x10], [0x20, 0x21], [0x30, 0x31], [0x40, 0x41, 0x42, 0x43],
        [.. Enumerable.Range(0x50, 8).Select(b => (byte)b)], [.. Enumerable.Range(0x60, 16).Select(b => (byte)b)],
    ];

    private static readonly string[] Roots =
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    private static readonly List<byte[]> Leaves = [.. Inputs.Select(input => MerkleTree.LeafHash(input))];

    private static Task<byte[]> Subtree(long start, long size) => Task.FromResult(MerkleTree.Root(Leaves, start, size));

    [Fact]
    public void the_roots_are_rfc_6962s_whether_computed_whole_or_grown_leaf_by_leaf()
    {
        var frontier = new Frontier(0, []);
        for (var size = 1; size <= 8; size++)
        {
            frontier.Append(Leaves[size - 1]);
            Convert.ToHexStringLower(MerkleTree.Root(Leaves, 0, size)).ShouldBe(Roots[size - 1]);
            Convert.ToHexStringLower(frontier.Root()).ShouldBe(Roots[size - 1]);
        }
        Convert.ToHexStringLower(MerkleTree.EmptyRoot()).ShouldBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    [Fact]
    public async Task every_inclusion_proof_leads_to_its_root_and_a_changed_one_does_not()
    {
        for (var size = 1; size <= 8; size++)
        for (var index = 0; index < size; index++)
        {
            var path = await MerkleTree.InclusionProof(index, size, Subtree);
            MerkleTree.RootFromInclusion(index, size, Leaves[index], path).ShouldBe(Convert.FromHexString(Roots[size - 1]));
            MerkleTree.RootFromInclusion(index, size, MerkleTree.LeafHash("not the leaf"u8), path).ShouldNotBe(Convert.FromHexString(Roots[size - 1]));
            if (path.Count > 0)
                MerkleTree.RootFromInclusion(index, size, Leaves[index], [MerkleTree.LeafHash("a sibling it never had"u8), .. path.Skip(1)])
                    .ShouldNotBe(Convert.FromHexString(Roots[size - 1]));
        }
    }

    [Fact]
    public async Task every_consistency_proof_verifies_and_a_changed_history_does_not()
    {
        for (var to = 1; to <= 8; to++)
        for (var from = 1; from <= to; from++)
        {
            var proof = await MerkleTree.ConsistencyProof(from, to, Subtree);
            MerkleTree.VerifyConsistency(from, to, Convert.FromHexString(Roots[from - 1]), Convert.FromHexString(Roots[to - 1]), proof)
                .ShouldBeTrue($"{from} -> {to}");
            if (from < to)
                MerkleTree.VerifyConsistency(from, to, MerkleTree.LeafHash(Encoding.UTF8.GetBytes("another history")),
                    Convert.FromHexString(Roots[to - 1]), proof).ShouldBeFalse($"{from} -> {to}");
        }
    }

    [Fact]
    public void the_frontier_reports_the_perfect_subtrees_it_completes()
    {
        var completed = new List<(int Level, long Index)>();
        var frontier = new Frontier(0, []);
        foreach (var leaf in Leaves) frontier.Append(leaf, (level, index, hash) =>
        {
            completed.Add((level, index));
            hash.ShouldBe(MerkleTree.Root(Leaves, index << level, 1L << level));
        });
        completed.ShouldBe([(1, 0), (1, 1), (2, 0), (1, 2), (1, 3), (2, 1), (3, 0)]);
    }
}
