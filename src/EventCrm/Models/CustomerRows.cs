namespace EventCrm.Models;

/// <summary>
/// The customers a run learns from as of a cutoff (customers by then, and active then), and how many it left
/// out, by reason: so that "only 0 customers" is never the whole answer.
/// </summary>
public sealed record CustomerRows(IReadOnlyList<CustomerFeatures> Rows, IReadOnlyDictionary<string, int> LeftOut)
{
    public static CustomerRows Of(IEnumerable<CustomerPast> pasts, DateTimeOffset cutoff)
    {
        var rows = new List<CustomerFeatures>();
        var leftOut = new Dictionary<string, int>();
        foreach (var past in pasts)
        {
            var row = past.Gone ? null : CustomerFeatures.Of(past, cutoff);
            var reason = past.Merged ? LeftOutReasons.Merged
                : past.Erased ? LeftOutReasons.Erased
                : row is null ? past.FirstPurchaseAt is null ? LeftOutReasons.NoPurchases : LeftOutReasons.RegisteredAfterCutoff
                : row.ActiveAtCutoff ? null
                : LeftOutReasons.InactiveAtCutoff;
            if (reason is null) rows.Add(row!);
            else leftOut[reason] = leftOut.GetValueOrDefault(reason) + 1;
        }
        return new CustomerRows(rows, leftOut);
    }

    /// <summary>The rows of a run, from the history it read at its start, as of <paramref name="cutoff"/>.</summary>
    public static async Task<CustomerRows> Read(RunHistory history, DateTimeOffset cutoff) => Of((await history.Pasts()).Values, cutoff);

    /// <summary>Fails the run, with who was left out and why, when too few rows remain to train and test a model.</summary>
    public CustomerRows Require(string what)
    {
        InsufficientData.Check(Rows.Count, what, LeftOut);
        return this;
    }
}
