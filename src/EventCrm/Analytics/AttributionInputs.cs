namespace EventCrm.Analytics;

/// <summary>
/// Each customer's touches side by side and in window order (<see cref="Attribution.InOrder"/>), as columns: the
/// customer's touches are <c>At[First[c]..First[c + 1]]</c> and their campaigns <c>Campaign[...]</c>, numbers into
/// <see cref="Campaigns"/>. Built once from the touches read, for every model and every conversion.
/// </summary>
public sealed class CustomerTouches
{
    private CustomerTouches(IReadOnlyDictionary<Guid, int> customers, int[] first, DateTimeOffset[] at, int[] campaign, IReadOnlyList<Guid> campaigns) =>
        (Customers, First, At, Campaign, Campaigns) = (customers, first, at, campaign, campaigns);

    /// <summary>Each customer with touches, by its number.</summary>
    public IReadOnlyDictionary<Guid, int> Customers { get; }
    public int[] First { get; }
    public DateTimeOffset[] At { get; }
    public int[] Campaign { get; }
    public IReadOnlyList<Guid> Campaigns { get; }

    public static CustomerTouches Of(TouchColumns touches)
    {
        // Side by side by a counting sort on the customer; then each customer's few touches sorted in window order.
        var customers = new Dictionary<Guid, int>();
        var customerOf = new int[touches.Count];
        for (var i = 0; i < touches.Count; i++)
        {
            if (!customers.TryGetValue(touches.CustomerIds[i], out var number)) customers[touches.CustomerIds[i]] = number = customers.Count;
            customerOf[i] = number;
        }
        var first = new int[customers.Count + 1];
        foreach (var number in customerOf) first[number + 1]++;
        for (var c = 0; c < customers.Count; c++) first[c + 1] += first[c];
        var order = new int[touches.Count];
        var next = (int[])first.Clone();
        for (var i = 0; i < touches.Count; i++) order[next[customerOf[i]]++] = i;
        var inOrder = new WindowOrder(touches);
        for (var c = 0; c < customers.Count; c++) order.AsSpan(first[c], first[c + 1] - first[c]).Sort(inOrder);
        var at = new DateTimeOffset[order.Length];
        var campaignOf = new int[order.Length];
        for (var k = 0; k < order.Length; k++) (at[k], campaignOf[k]) = (touches.At[order[k]], touches.Campaign[order[k]]);
        return new CustomerTouches(customers, first, at, campaignOf, touches.Campaigns);
    }

    /// <summary>
    /// Window order (<see cref="Attribution.InOrder"/>) of touches given by their place in the columns: time, event
    /// sequence, then campaign (Guid order) and kind (ordinal), so that the order never depends on the order read.
    /// </summary>
    private sealed class WindowOrder : IComparer<int>
    {
        private readonly TouchColumns _touches;
        private readonly int[] _campaignRank;
        private readonly int[] _kindRank;

        public WindowOrder(TouchColumns touches)
        {
            _touches = touches;
            _campaignRank = Ranks(touches.Campaigns, Comparer<Guid>.Default);
            _kindRank = Ranks(touches.Kinds, StringComparer.Ordinal);
        }

        private static int[] Ranks<T>(IReadOnlyList<T> values, IComparer<T> comparer)
        {
            var ranks = new int[values.Count];
            var sorted = Enumerable.Range(0, values.Count).Order(Comparer<int>.Create((x, y) => comparer.Compare(values[x], values[y]))).ToArray();
            for (var r = 0; r < sorted.Length; r++) ranks[sorted[r]] = r;
            return ranks;
        }

        public int Compare(int x, int y)
        {
            var byTime = _touches.At[x].CompareTo(_touches.At[y]);
            if (byTime != 0) return byTime;
            var bySequence = _touches.Sequence[x].CompareTo(_touches.Sequence[y]);
            if (bySequence != 0) return bySequence;
            var byCampaign = _campaignRank[_touches.Campaign[x]].CompareTo(_campaignRank[_touches.Campaign[y]]);
            return byCampaign != 0 ? byCampaign : _kindRank[_touches.Kind[x]].CompareTo(_kindRank[_touches.Kind[y]]);
        }
    }
}
