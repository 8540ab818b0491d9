using EventCrm.Analytics;

namespace EventCrm.Tests.Analytics;

/// <summary>
/// Every attribution model computed by hand on scripted touches: one, two and five touches, ties broken by event
/// sequence, a touch outside the look-back, and the W-shaped positions with their fallback.
/// </summary>
public class AttributionTests
{
    private static readonly DateTimeOffset T = new(2026, 6, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lookback = TimeSpan.FromDays(30);
    private static readonly TimeSpan HalfLife = TimeSpan.FromDays(7);
    private static readonly Guid A = Guid.Parse("00000000-0000-0000-0000-00000000000a");
    private static readonly Guid B = Guid.Parse("00000000-0000-0000-0000-00000000000b");
    private static readonly Guid C = Guid.Parse("00000000-0000-0000-0000-00000000000c");

    private static AttributionTouch Touch(Guid campaign, double daysBefore, long sequence) =>
        new(campaign, "click", T.AddDays(-daysBefore), sequence);

    private static AttributionConversion Purchase(decimal amount = 100m, DateTimeOffset? lead = null, DateTimeOffset? opportunity = null) =>
        new(Guid.NewGuid(), amount, T, lead, opportunity);

    private static double[] Shares(AttributionModel model, AttributionConversion conversion, params AttributionTouch[] touches) =>
        [.. Attribution.Credit(model, conversion, touches, Lookback, HalfLife).Select(c => c.Share)];

    private static void Same(double[] actual, params double[] expected)
    {
        actual.Length.ShouldBe(expected.Length);
        for (var i = 0; i < expected.Length; i++) actual[i].ShouldBe(expected[i], 1e-12, $"share {i}");
        actual.Sum().ShouldBe(1, 1e-12);
    }

    [Fact]
    public void a_window_cut_from_ordered_touches_is_the_window_filtered_from_them()
    {
        // Touches on whole and half days (ties at the bounds and between touches), conversions anywhere around them.
        var random = new Random(17);
        for (var round = 0; round < 500; round++)
        {
            var touches = Enumerable.Range(0, random.Next(0, 12))
                .Select(i => Touch(random.Next(2) == 0 ? A : B, random.Next(0, 120) / 2.0, random.Next(1, 40))).ToList();
            var ordered = Attribution.InOrder(touches);
            var at = T.AddDays(-random.Next(-10, 80) / 2.0);
            var lookback = TimeSpan.FromDays(random.Next(0, 40) / 2.0);
            var (start, length) = Attribution.Window([.. ordered.Select(t => t.At)], at, lookback);
            ordered.Skip(start).Take(length).ShouldBe(Attribution.Window(touches, at, lookback), $"round {round}");
        }
    }

    [Theory]
    [InlineData(AttributionModel.First)]
    [InlineData(AttributionModel.Last)]
    [InlineData(AttributionModel.Linear)]
    [InlineData(AttributionModel.Position)]
    [InlineData(AttributionModel.TimeDecay)]
    [InlineData(AttributionModel.WShaped)]
    public void a_single_touch_gets_all_of_it_under_every_model(AttributionModel model)
    {
        var credits = Attribution.Credit(model, Purchase(80m), [Touch(A, 3, 1)], Lookback, HalfLife);

        credits.ShouldHaveSingleItem().Share.ShouldBe(1);
        credits[0].Amount.ShouldBe(80m);
    }

    [Fact]
    public void two_touches_split_by_each_model()
    {
        var first = Touch(A, 14, 1);
        var last = Touch(B, 7, 2);
        var purchase = Purchase();

        Same(Shares(AttributionModel.First, purchase, last, first), 1, 0); // given out of order: ordered by time
        Same(Shares(AttributionModel.Last, purchase, first, last), 0, 1);
        Same(Shares(AttributionModel.Linear, purchase, first, last), 0.5, 0.5);
        Same(Shares(AttributionModel.Position, purchase, first, last), 0.5, 0.5);
        // 2^(-14/7) = 1/4 and 2^(-7/7) = 1/2, normalised: 1/3 and 2/3.
        Same(Shares(AttributionModel.TimeDecay, purchase, first, last), 1.0 / 3, 2.0 / 3);
    }

    [Fact]
    public void five_touches_split_by_each_model()
    {
        AttributionTouch[] touches = [Touch(A, 28, 1), Touch(B, 21, 2), Touch(C, 14, 3), Touch(B, 7, 4), Touch(A, 0, 5)];
        var purchase = Purchase(250m);

        Same(Shares(AttributionModel.First, purchase, touches), 1, 0, 0, 0, 0);
        Same(Shares(AttributionModel.Last, purchase, touches), 0, 0, 0, 0, 1);
        Same(Shares(AttributionModel.Linear, purchase, touches), 0.2, 0.2, 0.2, 0.2, 0.2);
        Same(Shares(AttributionModel.Position, purchase, touches), 0.4, 0.2 / 3, 0.2 / 3, 0.2 / 3, 0.4);
        // Weights 1/16, 1/8, 1/4, 1/2, 1 (sum 31/16): each over 31/16.
        Same(Shares(AttributionModel.TimeDecay, purchase, touches), 1.0 / 31, 2.0 / 31, 4.0 / 31, 8.0 / 31, 16.0 / 31);

        var linear = Attribution.Credit(AttributionModel.Linear, purchase, touches, Lookback, HalfLife);
        linear.Where(c => c.Touch.CampaignId == A).Sum(c => c.Amount).ShouldBe(100m);
        linear.Where(c => c.Touch.CampaignId == B).Sum(c => c.Amount).ShouldBe(100m);
        linear.Where(c => c.Touch.CampaignId == C).Sum(c => c.Amount).ShouldBe(50m);
    }

    [Fact]
    public void a_half_life_short_against_the_gaps_still_shares_the_whole_conversion()
    {
        // 2^(-20 days / 1 minute) underflows to 0 for every touch; weighed from the last touch, the last gets it all.
        Attribution.Credit(AttributionModel.TimeDecay, Purchase(), [Touch(A, 25, 1), Touch(B, 20, 2)], Lookback, TimeSpan.FromMinutes(1))
            .Select(c => c.Share).ShouldBe([0, 1]);
    }

    [Fact]
    public void touches_at_the_same_instant_are_ordered_by_their_event_sequence()
    {
        var early = Touch(A, 5, sequence: 10);
        var late = Touch(B, 5, sequence: 11);
        var purchase = Purchase();

        Attribution.Credit(AttributionModel.First, purchase, [late, early], Lookback, HalfLife).Single(c => c.Share == 1).Touch.ShouldBe(early);
        Attribution.Credit(AttributionModel.Last, purchase, [late, early], Lookback, HalfLife).Single(c => c.Share == 1).Touch.ShouldBe(late);
    }

    [Fact]
    public void a_touch_outside_the_look_back_or_after_the_purchase_does_not_count()
    {
        var tooEarly = Touch(A, 30.001, 1);
        var onTheEdge = Touch(B, 30, 2);
        var after = new AttributionTouch(C, "click", T.AddMinutes(1), 3);

        var credits = Attribution.Credit(AttributionModel.First, Purchase(), [tooEarly, onTheEdge, after], Lookback, HalfLife);

        credits.ShouldHaveSingleItem().Touch.ShouldBe(onTheEdge);
        Attribution.Credit(AttributionModel.Linear, Purchase(), [tooEarly, after], Lookback, HalfLife).ShouldBeEmpty();
    }

    [Fact]
    public void w_shaped_gives_the_first_the_lead_and_the_opportunity_touch_30_percent_and_the_rest_10()
    {
        AttributionTouch[] touches = [Touch(A, 28, 1), Touch(B, 21, 2), Touch(C, 14, 3), Touch(B, 7, 4), Touch(A, 1, 5)];
        // The lead came after the second touch, the opportunity after the fourth.
        var purchase = Purchase(lead: T.AddDays(-20), opportunity: T.AddDays(-5));

        Same(Shares(AttributionModel.WShaped, purchase, touches), 0.3, 0.3, 0.05, 0.3, 0.05);
    }

    [Fact]
    public void w_shaped_adds_the_parts_of_a_touch_holding_two_positions_and_falls_back_to_position()
    {
        AttributionTouch[] three = [Touch(A, 20, 1), Touch(B, 10, 2), Touch(C, 5, 3)];

        // Lead and opportunity both after the first touch only: it holds all three positions, the 10 % goes to the others.
        Same(Shares(AttributionModel.WShaped, Purchase(lead: T.AddDays(-15), opportunity: T.AddDays(-12)), three), 0.9, 0.05, 0.05);
        // Every touch holds a position: the 10 % is shared among them.
        Same(Shares(AttributionModel.WShaped, Purchase(lead: T.AddDays(-10), opportunity: T.AddDays(-5)), three),
            0.3 + 0.1 / 3, 0.3 + 0.1 / 3, 0.3 + 0.1 / 3);
        // No opportunity, or a lead created before any touch: U-shaped.
        Same(Shares(AttributionModel.WShaped, Purchase(lead: T.AddDays(-10)), three), 0.4, 0.2, 0.4);
        Same(Shares(AttributionModel.WShaped, Purchase(lead: T.AddDays(-25), opportunity: T.AddDays(-5)), three), 0.4, 0.2, 0.4);
    }

    [Fact]
    public void crediting_many_conversions_at_once_adds_up_each_conversions_own_credits_in_their_order()
    {
        // Touches on half days with few sequences (ties in time and sequence, two kinds of one event), customers with
        // and without touches, purchases at the same instant, some with positions for the W-shaped model.
        var random = new Random(23);
        Guid[] customers = [.. Enumerable.Range(0, 6).Select(_ => Guid.NewGuid())];
        string[] kinds = ["visit", "click", "reply"];
        var touches = new TouchColumns();
        var scripted = new List<(Guid Customer, AttributionTouch Touch)>();
        for (var i = 0; i < 300; i++)
        {
            var touch = new AttributionTouch(new[] { A, B, C }[random.Next(3)], kinds[random.Next(3)], T.AddDays(-random.Next(0, 160) / 2.0), random.Next(1, 20));
            var customer = customers[random.Next(customers.Length - 1)]; // the last customer has no touch
            scripted.Add((customer, touch));
            touches.Add(touch.CampaignId, customer, touch.Kind, touch.At, touch.Sequence);
        }
        var purchases = Enumerable.Range(0, 200).Select(_ => new Conversion(Guid.NewGuid(), customers[random.Next(customers.Length)],
            random.Next(1, 100_000) / 100m, T.AddDays(-random.Next(0, 100) / 2.0))).ToList();
        var positions = purchases.Where(_ => random.Next(3) == 0).ToDictionary(p => p.PurchaseId,
            p => ((DateTimeOffset?)(random.Next(2) == 0 ? p.At.AddDays(-random.Next(0, 40)) : null), p.At.AddDays(-random.Next(0, 20))));
        var conversions = new ConversionColumns();
        foreach (var purchase in purchases) conversions.Add(purchase.PurchaseId, purchase.CustomerId, purchase.Amount, purchase.At);
        conversions.Order();
        var models = Attribution.Names.ToList();

        var credited = CampaignAttributionEndpoint.Credit(models, conversions, CustomerTouches.Of(touches), positions, Lookback, HalfLife);

        // Each conversion credited on its own, in time and purchase order, summed per campaign as they come.
        var ordered = purchases.OrderBy(p => p.At).ThenBy(p => p.PurchaseId).ToList();
        conversions.PurchaseIds.ShouldBe(ordered.Select(p => p.PurchaseId));
        credited.Select(c => c.Key).ShouldBe(models.Select(m => m.Key));
        foreach (var (model, credits) in credited)
        {
            var expected = new Dictionary<Guid, (double Conversions, decimal Revenue)>();
            var (unattributed, unattributedRevenue) = (0L, 0m);
            foreach (var purchase in ordered)
            {
                var position = positions.TryGetValue(purchase.PurchaseId, out var p) ? p : default;
                var conversion = new AttributionConversion(purchase.PurchaseId, purchase.Amount, purchase.At, position.Item1,
                    positions.ContainsKey(purchase.PurchaseId) ? position.Item2 : null);
                var mine = scripted.Where(s => s.Customer == purchase.CustomerId).Select(s => s.Touch);
                var each = Attribution.Credit(Attribution.Names[model], conversion, mine, Lookback, HalfLife);
                if (each.Count == 0) (unattributed, unattributedRevenue) = (unattributed + 1, unattributedRevenue + purchase.Amount);
                foreach (var credit in each)
                {
                    var sum = expected.GetValueOrDefault(credit.Touch.CampaignId);
                    expected[credit.Touch.CampaignId] = (sum.Conversions + credit.Share, sum.Revenue + credit.Amount);
                }
            }
            // Exactly: the same campaigns in the same order, the same doubles to the bit, the same decimals to the scale.
            credits.Campaigns.Select(c => (c.Key, BitConverter.DoubleToInt64Bits(c.Value.Conversions), c.Value.Revenue.ToString()))
                .ShouldBe(expected.Select(c => (c.Key, BitConverter.DoubleToInt64Bits(c.Value.Conversions), c.Value.Revenue.ToString())), model);
            (credits.Unattributed, credits.UnattributedRevenue).ShouldBe((unattributed, unattributedRevenue), model);
        }
        credited.First().Value.Unattributed.ShouldBeGreaterThan(0);
        credited.First().Value.Campaigns.Count.ShouldBe(3);
    }

    [Fact]
    public void the_model_names_are_the_ones_the_api_takes()
    {
        Attribution.Names.Keys.ShouldBe(["first", "last", "linear", "position", "time-decay", "w-shaped"], ignoreOrder: true);
        Attribution.Names.Values.Distinct().Count().ShouldBe(Enum.GetValues<AttributionModel>().Length);
    }
}
