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
    /// The same window as <see cref="Window(IEnumerable{AttributionTouch}, DateTimeOffset, TimeSpan)"/>, cut by two binary
    /// searches from the times of touches already <see cref="InOrder"/> (a customer's touches are ordered once, not once per
    /// conversion): where it starts, and how many touches it holds.
    /// </summary>
    public static (int Start, int Length) Window(ReadOnlySpan<DateTimeOffset> ordered, DateTimeOffset at, TimeSpan lookback)
    {
        var from = FirstAfter(ordered, at - lookback, inclusive: true);
        var to = FirstAfter(ordered, at, inclusive: false);
        return (from, Math.Max(0, to - from));
    }

    /// <summary>The first index whose time is at or after (<paramref name="inclusive"/>) or after <paramref name="moment"/>.</summary>
    private static int FirstAfter(ReadOnlySpan<DateTimeOffset> ordered, DateTimeOffset moment, bool inclusive)
    {
        var (low, high) = (0, ordered.Length);
        while (low < high)
        {
            var middle = low + (high - low) / 2;
            if (inclusive ? ordered[middle] < moment : ordered[middle] <= moment) low = middle + 1;
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
        var at = new DateTimeOffset[ordered.Count];
        for (var i = 0; i < at.Length; i++) at[i] = ordered[i].At;
        var shares = new double[at.Length];
        Shares(model, at, conversion.LeadCreatedAt, conversion.OpportunityCreatedAt, halfLife, shares);
        return shares;
    }

    /// <summary>
    /// The same shares written into <paramref name="shares"/> (as long as <paramref name="at"/>, all 0), from the times of
    /// touches in window order: crediting hundreds of thousands of conversions allocates nothing per conversion.
    /// </summary>
    public static void Shares(AttributionModel model, ReadOnlySpan<DateTimeOffset> at, DateTimeOffset? leadCreatedAt,
        DateTimeOffset? opportunityCreatedAt, TimeSpan halfLife, Span<double> shares)
    {
        var n = at.Length;
        if (n == 0) return;
        switch (model)
        {
            case AttributionModel.First:
                shares[0] = 1;
                break;
            case AttributionModel.Last:
                shares[n - 1] = 1;
                break;
            case AttributionModel.Linear:
                shares.Fill(1.0 / n);
                break;
            case AttributionModel.Position:
                Position(shares);
                break;
            case AttributionModel.TimeDecay:
                // Weighed from the last touch rather than from the conversion: the same shares once normalised, and the
                // last touch weighs 1, so a short half-life cannot underflow every weight to 0 (and the shares to NaN).
                var halfLifeDays = halfLife.TotalDays;
                var last = at[n - 1];
                var total = 0.0;
                for (var i = 0; i < n; i++) total += shares[i] = Math.Pow(2, -(last - at[i]).TotalDays / halfLifeDays);
                for (var i = 0; i < n; i++) shares[i] /= total;
                break;
            case AttributionModel.WShaped:
                WShaped(at, leadCreatedAt, opportunityCreatedAt, shares);
                break;
        }
    }

    /// <summary>U-shaped: one touch all of it, two half each, three or more 40 % first, 40 % last, 20 % over the middle.</summary>
    private static void Position(Span<double> shares)
    {
        var n = shares.Length;
        if (n == 1) shares[0] = 1;
        else if (n == 2) shares[0] = shares[1] = 0.5;
        else
        {
            shares[0] = shares[n - 1] = 0.4;
            for (var i = 1; i < n - 1; i++) shares[i] = 0.2 / (n - 2);
        }
    }

    /// <summary>
    /// W-shaped: 30 % to the first touch, 30 % to the last touch at or before the lead's creation, 30 % to the last at
    /// or before the opportunity's, 10 % over the other touches (when a touch holds two of these positions it gets both
    /// parts; when there are no other touches, the 10 % goes in equal parts to those holding a position). Without a lead
    /// and an opportunity each with a touch before it, the model is <see cref="AttributionModel.Position"/>.
    /// </summary>
    private static void WShaped(ReadOnlySpan<DateTimeOffset> at, DateTimeOffset? leadCreatedAt, DateTimeOffset? opportunityCreatedAt,
        Span<double> shares)
    {
        if (NearestBefore(at, leadCreatedAt) is not { } lead || NearestBefore(at, opportunityCreatedAt) is not { } opportunity)
        {
            Position(shares);
            return;
        }
        ReadOnlySpan<int> positions = [0, lead, opportunity];
        foreach (var position in positions) shares[position] += 0.3;
        // The positions held, each once, in the order above; the rest are the other touches.
        Span<int> held = stackalloc int[3];
        var heldCount = 0;
        foreach (var position in positions)
            if (!held[..heldCount].Contains(position)) held[heldCount++] = position;
        var rest = at.Length - heldCount;
        if (rest > 0)
        {
            for (var i = 0; i < at.Length; i++)
                if (!held[..heldCount].Contains(i)) shares[i] += 0.1 / rest;
        }
        else
            foreach (var i in held[..heldCount]) shares[i] += 0.1 / heldCount;
    }

    /// <summary>The last touch at or before <paramref name="moment"/>, if there is one.</summary>
    private static int? NearestBefore(ReadOnlySpan<DateTimeOffset> at, DateTimeOffset? moment)
    {
        if (moment is not { } m) return null;
        for (var i = at.Length - 1; i >= 0; i--)
            if (at[i] <= m) return i;
        return null;
    }
}
