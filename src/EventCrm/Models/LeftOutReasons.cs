using System.Globalization;

namespace EventCrm.Models;

/// <summary>Why a run did not learn from a record: the keys of a version's <c>leftOut</c>, and what each means.</summary>
public static class LeftOutReasons
{
    public const string RegisteredAfterCutoff = "registeredAfterCutoff";
    public const string NoPurchases = "noPurchases";
    public const string InactiveAtCutoff = "inactiveAtCutoff";
    public const string Merged = "merged";
    public const string Erased = "erased";
    public const string StillOpen = "stillOpen";

    private static readonly (string Key, string Meaning)[] Meanings =
    [
        (RegisteredAfterCutoff, "began after the cutoff (registered and first bought later)"),
        (NoPurchases, "registered after the cutoff and never bought"),
        (InactiveAtCutoff, "inactive at the cutoff"),
        (Merged, "merged into another customer (their purchases count for it)"),
        (Erased, "erased"),
        (StillOpen, "still open (scored, not learned from)"),
    ];

    /// <summary>"Left out: 1,480 began after the cutoff (...); 3 merged into another customer (...)."; empty when nothing was.</summary>
    public static string Describe(IReadOnlyDictionary<string, int>? leftOut)
    {
        var parts = Meanings.Where(m => leftOut?.GetValueOrDefault(m.Key) > 0)
            .Select(m => $"{leftOut![m.Key].ToString("N0", CultureInfo.InvariantCulture)} {m.Meaning}").ToList();
        return parts.Count == 0 ? "" : $"Left out: {string.Join("; ", parts)}.";
    }
}
