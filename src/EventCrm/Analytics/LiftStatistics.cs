using MathNet.Numerics;

namespace EventCrm.Analytics;

/// <summary>A 2×2 table: how many of the treated and of the holdout converted.</summary>
public sealed record TwoByTwo(long TreatedConverted, long Treated, long HoldoutConverted, long Holdout)
{
    /// <summary>The four cells: treated converted / not, holdout converted / not.</summary>
    public IReadOnlyList<long> Cells => [TreatedConverted, Treated - TreatedConverted, HoldoutConverted, Holdout - HoldoutConverted];
}

/// <summary>
/// The difference between two conversion rates and how sure it is. <c>Z</c> and <c>PValue</c> come from the pooled
/// two-proportion z-test; the interval [<c>Low</c>, <c>High</c>] uses the unpooled standard error (Wald). A figure
/// that cannot be computed (an empty group, no variation at all) is null. <c>Significant</c> is null, with the
/// <c>Reason</c>, when a cell of the table is under <see cref="LiftStatistics.MinCell"/> (the normal approximation
/// does not hold there).
/// </summary>
public sealed record ProportionTest(
    double? TreatedRate,
    double? HoldoutRate,
    double? Uplift,
    double? RelativeLift,
    double? Z,
    double? PValue,
    double ConfidenceLevel,
    double? Low,
    double? High,
    bool? Significant,
    string? Reason);

/// <summary>An association rule A → converted over a population: support, confidence and lift over the base rate.</summary>
public sealed record AssociationRule(string Antecedent, string Consequent, long Population, long WithAntecedent, long WithBoth,
    double? Support, double? Confidence, double? Lift);

/// <summary>
/// The statistics of a campaign's measured lift, as pure functions of counts (no store, no clock), so that they can
/// be checked against an independent computation (tests/EventCrm.Tests/Analytics/Reference/lift).
/// </summary>
public static class LiftStatistics
{
    /// <summary>The smallest cell of the 2×2 table for which the z-test's normal approximation is trusted.</summary>
    public const int MinCell = 5;

    public const double Alpha = 0.05;

    /// <summary>The two-sided 97.5 % quantile of the standard normal distribution, for a 95 % interval.</summary>
    public static readonly double Z975 = MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, 1 - Alpha / 2);

    /// <summary>
    /// Rates rT = xT / nT and rH = xH / nH; uplift rT − rH; relative lift rT / rH − 1; pooled z-test
    /// z = (rT − rH) / √(p(1 − p)(1/nT + 1/nH)) with p = (xT + xH) / (nT + nH) and two-sided p-value erfc(|z| / √2);
    /// 95 % interval (rT − rH) ± z₀.₉₇₅ √(rT(1 − rT)/nT + rH(1 − rH)/nH).
    /// </summary>
    public static ProportionTest TwoProportions(TwoByTwo table)
    {
        var (xT, nT, xH, nH) = (table.TreatedConverted, table.Treated, table.HoldoutConverted, table.Holdout);
        if (xT < 0 || xH < 0 || xT > nT || xH > nH) throw new ArgumentOutOfRangeException(nameof(table), "Converted counts lie between 0 and the group's size.");
        double? rT = nT > 0 ? (double)xT / nT : null;
        double? rH = nH > 0 ? (double)xH / nH : null;
        double? uplift = rT - rH;
        double? relative = rH is > 0 ? rT / rH - 1 : null;

        double? z = null, p = null, low = null, high = null;
        if (rT is { } t && rH is { } h)
        {
            var pooled = (double)(xT + xH) / (nT + nH);
            var pooledError = Math.Sqrt(pooled * (1 - pooled) * (1.0 / nT + 1.0 / nH));
            if (pooledError > 0)
            {
                z = (t - h) / pooledError;
                p = SpecialFunctions.Erfc(Math.Abs(z.Value) / Math.Sqrt(2));
            }
            var error = Math.Sqrt(t * (1 - t) / nT + h * (1 - h) / nH);
            (low, high) = (t - h - Z975 * error, t - h + Z975 * error);
        }

        var smallest = table.Cells.Min();
        bool? significant = null;
        string? reason = null;
        if (smallest < MinCell)
            reason = $"A cell of the 2×2 table (treated/holdout × converted/not) holds {smallest}, under {MinCell}: the z-test's normal approximation does not hold.";
        else if (p is { } pValue) significant = pValue < Alpha;
        else reason = "The conversion rates do not vary: there is nothing to test.";
        return new ProportionTest(rT, rH, uplift, relative, z, p, 1 - Alpha, low, high, significant, reason);
    }

    /// <summary>
    /// The rule "<paramref name="antecedent"/> → converted": support = both / population, confidence = both / with the
    /// antecedent, lift = confidence / (converted / population).
    /// </summary>
    public static AssociationRule Rule(string antecedent, long population, long withAntecedent, long withBoth, long converted)
    {
        double? support = population > 0 ? (double)withBoth / population : null;
        double? confidence = withAntecedent > 0 ? (double)withBoth / withAntecedent : null;
        double? baseRate = population > 0 ? (double)converted / population : null;
        double? lift = baseRate is > 0 ? confidence / baseRate : null;
        return new AssociationRule(antecedent, "converted", population, withAntecedent, withBoth, support, confidence, lift);
    }

    /// <summary>
    /// What the campaign brought beyond what the treated would have spent anyway: (mean revenue per treated member −
    /// per holdout member) × treated members, written RT − RH · nT / nH so that it is exact in decimals.
    /// </summary>
    public static decimal? IncrementalRevenue(decimal treatedRevenue, long treated, decimal holdoutRevenue, long holdout) =>
        holdout > 0 ? treatedRevenue - holdoutRevenue * treated / holdout : null;
}
