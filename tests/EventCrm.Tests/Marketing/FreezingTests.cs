using EventCrm.Infrastructure;
using EventCrm.Marketing;

namespace EventCrm.Tests.Marketing;

/// <summary>The audience a campaign starts with: the holdout and the A/B groups drawn reproducibly from a recorded seed.</summary>
public sealed class FreezingTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 3, 12, 0, 0, TimeSpan.Zero);

    private static Campaign Campaign(double holdout, params object[] more) => Fold<Campaign>.Apply(null, [
        new CampaignPlanned("Spring", null, CampaignChannel.Email, null, "EUR", null, null, "spring", "mia", "newsletter", Now),
        new CampaignAudienceChosen(Guid.NewGuid(), holdout, Now),
        new EmailVariantSet("a", "Hi", "<p>A</p>", null, Now),
        .. more,
    ]);

    private static readonly Guid[] Members = [.. Enumerable.Range(0, 1000).Select(_ => Guid.NewGuid())];

    [Fact]
    public void the_holdout_is_the_share_asked_for_and_the_same_draw_from_the_same_seed()
    {
        var campaign = Campaign(0.1);
        var (frozen, batches) = LaunchCampaignHandler.Freeze(campaign, Guid.NewGuid(), Members, 7, 200, Guid.NewGuid(), Now);
        var (again, batchesAgain) = LaunchCampaignHandler.Freeze(campaign, Guid.NewGuid(), Members.Reverse().ToArray(), 7, 200, Guid.NewGuid(), Now);
        var (other, otherBatches) = LaunchCampaignHandler.Freeze(campaign, Guid.NewGuid(), Members, 8, 200, Guid.NewGuid(), Now);

        frozen.Holdout.ShouldBe(100);
        frozen.Members.ShouldBe(1000);
        frozen.Seed.ShouldBe(7);
        Held(batches).Count.ShouldBe(100);
        Held(batchesAgain).ShouldBe(Held(batches));
        Held(otherBatches).ShouldNotBe(Held(batches));
        batches.Where(b => b.Group == RecipientGroup.Rest).SelectMany(b => b.Customers).Count().ShouldBe(900);
        batches.ShouldAllBe(b => b.Customers.Count <= 200);
        batches.SelectMany(b => b.Customers).ShouldBe(Members, ignoreOrder: true);
        frozen.Batches.Select(b => b.Number).ShouldBe([.. Enumerable.Range(1, batches.Count)]);
    }

    private static HashSet<Guid> Held(IReadOnlyList<RecipientsFrozen> batches) =>
        [.. batches.Where(b => b.Group == RecipientGroup.Holdout).SelectMany(b => b.Customers)];

    [Fact]
    public void no_holdout_is_allowed()
    {
        var (frozen, batches) = LaunchCampaignHandler.Freeze(Campaign(0), Guid.NewGuid(), Members, 7, 500, Guid.NewGuid(), Now);

        frozen.Holdout.ShouldBe(0);
        batches.ShouldAllBe(b => b.Group == RecipientGroup.Rest && b.VariantId == "a");
    }

    [Fact]
    public void an_ab_test_deals_its_share_to_the_variants_in_equal_parts_and_leaves_the_rest_for_the_winner()
    {
        var campaign = Campaign(0.1, new EmailVariantSet("b", "Hello", "<p>B</p>", null, Now),
            new AbTestConfigured(0.2, TimeSpan.FromHours(4), WinnerMetric.Clicks, Now));
        var (frozen, batches) = LaunchCampaignHandler.Freeze(campaign, Guid.NewGuid(), Members, 7, 50, Guid.NewGuid(), Now);

        batches.Where(b => b.Group == RecipientGroup.Test && b.VariantId == "a").Sum(b => b.Customers.Count).ShouldBe(90);
        batches.Where(b => b.Group == RecipientGroup.Test && b.VariantId == "b").Sum(b => b.Customers.Count).ShouldBe(90);
        batches.Where(b => b.Group == RecipientGroup.Rest).ShouldAllBe(b => b.VariantId == null);
        batches.Where(b => b.Group == RecipientGroup.Rest).Sum(b => b.Customers.Count).ShouldBe(720);
        var after = Fold<Campaign>.Apply(campaign, frozen);
        after.VariantFor(frozen.Batches.First(b => b.Group == RecipientGroup.Rest)).ShouldBeNull();
        Fold<Campaign>.Apply(after, new CampaignWinnerChosen("b", WinnerMetric.Clicks, [], Now))
            .VariantFor(frozen.Batches.First(b => b.Group == RecipientGroup.Rest))!.Id.ShouldBe("b");
    }
}
