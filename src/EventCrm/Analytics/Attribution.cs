namespace EventCrm.Analytics;

/// <summary>How a conversion's amount is shared among the touches before it.</summary>
public enum AttributionModel { First, Last, Linear, Position, TimeDecay, WShaped }

/// <summary>
/// A campaign interaction of a customer: when it happened (business time) and the sequence of the event that
/// recorded it, which breaks ties between touches at the same instant.
/// </summary>
public sealed record AttributionTouch(Guid CampaignId, string Kind, DateTimeOffset At, long Sequence);

/// <summary>
/// A purchase to credit, at its business time, with the moments the W-shaped model reads as positions: when the
/// customer's lead and its opportunity were created, where there were any.
/// </summary>
public sealed record AttributionConversion(Guid PurchaseId, decimal Amount, DateTimeOffset At,
    DateTimeOffset? LeadCreatedAt = null, DateTimeOffset? OpportunityCreatedAt = null);

/// <summary>One touch's part of one conversion: its share (the shares of a conversion add up to 1) and the amount it brings.</summary>
public sealed record AttributionCredit(AttributionTouch Touch, double Share, decimal Amount);

/// <summary>
/// Multi-touch attribution as pure functions: which touches count for a conversion (those in [t − look-back, t],
/// ordered by time, then by event sequence) and how each model shares the conversion among them. No clock, no store:
/// the same history gives the same credits.
/// </summary>
public static class Attribution
{
    /// <summary>The models by the names the API takes.</summary>
    public static readonly IReadOnlyDictionary<string, AttributionModel> Names = new Dictionary<string, AttributionModel>(StringComparer.OrdinalIgnoreCase)
    {
        ["first"] = AttributionModel.First,
        ["last"] = AttributionModel.Last,
        ["linear"] = AttributionModel.Linear,
        ["position"] = AttributionModel.Position,
        ["time-decay"] = AttributionModel.TimeDecay,
        ["w-shaped"] = AttributionModel.WShaped,
    };

    /// <summary>The touches that count for a conversion at <paramref name="at"/>: within the look-back, in order.</summary>
    public static IReadOnlyList<AttributionTouch> Window(IEnumerable<AttributionTouch> touches, DateTimeOffset at, TimeSpan lookback) =>
        [.. InOrder(touches.Where(t => t.At <= at && t.At >= at - lookback))];

    /// <summary>
    /// A customer's touches in window order (time, then event sequence), to cut many conversions' windows from.
    /// Touches of one event (the same time and sequence) follow in campaign and kind order, so the order never depends
    /// on the order they were read in.
    /// </summary>
    public static AttributionTouch[] InOrder(IEnumerable<AttributionTouch> touches) =>
        [.. touches.OrderBy(t => t.At).ThenBy(t => t.Sequence).ThenBy(t => t.CampaignId).ThenBy(t => t.Kind, StringComparer.Ordinal)];

    /// <summary>
    /// The same window as <see cref="Window(IEnumerable{AttributionTouch}, DateTimeOffset, TimeSpan)"/>, cut from touches already
    /// <see cref="InOrder"/> by two binary searches: a customer's touches are ordered once, not once per conversion.
    /// </summary>
    public static ArraySegment<AttributionTouch> Window(AttributionTouch[] ordered, DateTimeOffset at, TimeSpan lookback)
    {
        var from = FirstAfter(ordered, at - lookback, inclusive: true);
        var to = FirstAfter(ordered, at, inclusive: false);
        return new ArraySegment<AttributionTouch>(ordered, from, Math.Max(0, to - from));
    }

    /// <summary>The first index whose touch is at or after (<paramref name="inclusive"/>) or after <paramref name="moment"/>.</summary>
    private static int FirstAfter(AttributionTouch[] ordered, DateTimeOffset moment, bool inclusive)
    {
        var (low, high) = (0, ordered.Length);
        while (low < high)
        {
            var middle = low + (high - low) / 2;
            if (inclusive ? ordered[middle].At < moment : ordered[middle].At <= moment) low = middle + 1;
            else high = middle;
        }
        return low;
    }

    /// <summary>The conversion's credits under <paramref name="model"/>; none when no touch is in its window.</summary>
    public static IReadOnlyList<AttributionCredit> Credit(AttributionModel model, AttributionConversion conversion,
        IEnumerable<AttributionTouch> touches, TimeSpan lookback, TimeSpan halfLife)
    {
        var window = Window(touches, conversion.At, lookback);
        var shares = Shares(model, window, conversion, halfLife);
        return [.. window.Select((touch, i) => new AttributionCredit(touch, shares[i], conversion.Amount * (decimal)shares[i]))];
    }

    /// <summary>Each touch's share of the conversion, for touches already in window order.</summary>
    public static double[] Shares(AttributionModel model, IReadOnlyList<AttributionTouch> ordered, AttributionConversion conversion, TimeSpan halfLife)
    {
        var n = ordered.Count;
        var shares = new double[n];
        if (n == 0) return shares;
        switch (model)
        {
            case AttributionModel.First:
                shares[0] = 1;
                break;
            case AttributionModel.Last:
                shares[n - 1] = 1;
                break;
            case AttributionModel.Linear:
                Array.Fill(shares, 1.0 / n);
                break;
            case AttributionModel.Position:
                return Position(n);
            case AttributionModel.TimeDecay:
                // Weighed from the last touch rather than from the conversion: the same shares once normalised, and the
                // last touch weighs 1, so a short half-life cannot underflow every weight to 0 (and the shares to NaN).
                var halfLifeDays = halfLife.TotalDays;
                var last = ordered[n - 1].At;
                for (var i = 0; i < n; i++) shares[i] = Math.Pow(2, -(last - ordered[i].At).TotalDays / halfLifeDays);
                var total = shares.Sum();
                for (var i = 0; i < n; i++) shares[i] /= total;
                break;
            case AttributionModel.WShaped:
                return WShaped(ordered, conversion);
        }
        return shares;
    }

    /// <summary>U-shaped: one touch all of it, two half each, three or more 40 % first, 40 % last, 20 % over the middle.</summary>
    private static double[] Position(int n)
    {
        var shares = new double[n];
        if (n == 1) shares[0] = 1;
        else if (n == 2) shares[0] = shares[1] = 0.5;
        else
        {
            shares[0] = shares[n - 1] = 0.4;
            for (var i = 1; i < n - 1; i++) shares[i] = 0.2 / (n - 2);
        }
        return shares;
    }

    /// <summary>
    /// W-shaped: 30 % to the first touch, 30 % to the last touch at or before the lead's creation, 30 % to the last at
    /// or before the opportunity's, 10 % over the other touches (when a touch holds two of these positions it gets both
    /// parts; when there are no other touches, the 10 % goes in equal parts to those holding a position). Without a lead
    /// and an opportunity each with a touch before it, the model is <see cref="AttributionModel.Position"/>.
    /// </summary>
    private static double[] WShaped(IReadOnlyList<AttributionTouch> ordered, AttributionConversion conversion)
    {
        int? NearestBefore(DateTimeOffset? moment) =>
            moment is { } m && ordered.Select((t, i) => (t, i)).LastOrDefault(x => x.t.At <= m) is { t: not null } found ? found.i : null;
        if (NearestBefore(conversion.LeadCreatedAt) is not { } lead || NearestBefore(conversion.OpportunityCreatedAt) is not { } opportunity)
            return Position(ordered.Count);

        var shares = new double[ordered.Count];
        int[] positions = [0, lead, opportunity];
        foreach (var position in positions) shares[position] += 0.3;
        var held = positions.Distinct().ToArray();
        var rest = Enumerable.Range(0, ordered.Count).Except(held).ToArray();
        foreach (var i in rest.Length > 0 ? rest : held) shares[i] += 0.1 / (rest.Length > 0 ? rest.Length : held.Length);
        return shares;
    }
}
