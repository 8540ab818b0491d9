namespace EventCrm.Analytics;

/// <summary>
/// The conversions attribution credits, as columns in the order they are credited (business time, then purchase id,
/// as <see cref="CampaignHistory.Conversions"/> orders them): at hundreds of thousands of purchases, arrays read and
/// sorted without an object per purchase.
/// </summary>
public sealed class ConversionColumns
{
    public Guid[] PurchaseIds { get; private set; } = [];
    public Guid[] CustomerIds { get; private set; } = [];
    public decimal[] Amounts { get; private set; } = [];
    public DateTimeOffset[] At { get; private set; } = [];
    public int Count { get; private set; }

    public void Add(Guid purchase, Guid customer, decimal amount, DateTimeOffset at)
    {
        if (Count == PurchaseIds.Length) Grow(Math.Max(1024, Count * 2));
        (PurchaseIds[Count], CustomerIds[Count], Amounts[Count], At[Count]) = (purchase, customer, amount, at);
        Count++;
    }

    /// <summary>What the conversions bring together, added up in their order.</summary>
    public decimal Revenue()
    {
        var total = 0m;
        for (var i = 0; i < Count; i++) total += Amounts[i];
        return total;
    }

    /// <summary>Puts the conversions in crediting order: by time, then by purchase id (Guid order, as a LINQ ThenBy would).</summary>
    public void Order()
    {
        // By the instant first (a sort of plain numbers), then each run of purchases at one instant by purchase id.
        var ticks = new long[Count];
        var order = new int[Count];
        for (var i = 0; i < Count; i++) (ticks[i], order[i]) = (At[i].UtcTicks, i);
        Array.Sort(ticks, order);
        var ids = PurchaseIds;
        for (int from = 0, to; from < Count; from = to)
        {
            for (to = from + 1; to < Count && ticks[to] == ticks[from];) to++;
            if (to - from > 1) order.AsSpan(from, to - from).Sort((x, y) => ids[x].CompareTo(ids[y]));
        }
        PurchaseIds = Permuted(PurchaseIds, order);
        CustomerIds = Permuted(CustomerIds, order);
        Amounts = Permuted(Amounts, order);
        At = Permuted(At, order);
    }

    /// <summary>Conversions already in crediting order (the fold of the events as of a cut), as columns.</summary>
    public static ConversionColumns Of(IReadOnlyList<Conversion> ordered)
    {
        var columns = new ConversionColumns();
        columns.Grow(ordered.Count);
        foreach (var c in ordered) columns.Add(c.PurchaseId, c.CustomerId, c.Amount, c.At);
        return columns;
    }

    private void Grow(int capacity)
    {
        T[] Larger<T>(T[] column)
        {
            var larger = new T[capacity];
            Array.Copy(column, larger, Count);
            return larger;
        }
        (PurchaseIds, CustomerIds, Amounts, At) = (Larger(PurchaseIds), Larger(CustomerIds), Larger(Amounts), Larger(At));
    }

    private static T[] Permuted<T>(T[] column, int[] order)
    {
        var result = new T[order.Length];
        for (var i = 0; i < order.Length; i++) result[i] = column[order[i]];
        return result;
    }
}

/// <summary>
/// The touches attribution shares conversions among, as columns: the customer (the survivor of merges), the campaign
/// and the kind as small numbers into <see cref="Campaigns"/> and <see cref="Kinds"/>, the business time and the
/// sequence of the event. A million touches take a few arrays instead of a million objects.
/// </summary>
public sealed class TouchColumns
{
    private readonly Dictionary<Guid, int> _campaigns = [];
    private readonly Dictionary<string, byte> _kinds = new(StringComparer.Ordinal);
    private readonly List<Guid> _campaignIds = [];
    private readonly List<string> _kindNames = [];

    public Guid[] CustomerIds { get; private set; } = [];
    public int[] Campaign { get; private set; } = [];
    public byte[] Kind { get; private set; } = [];
    public DateTimeOffset[] At { get; private set; } = [];
    public long[] Sequence { get; private set; } = [];
    public int Count { get; private set; }

    /// <summary>The campaigns the touches name, by the numbers in <see cref="Campaign"/>.</summary>
    public IReadOnlyList<Guid> Campaigns => _campaignIds;

    /// <summary>The kinds the touches have, by the numbers in <see cref="Kind"/>.</summary>
    public IReadOnlyList<string> Kinds => _kindNames;

    public void Add(Guid campaign, Guid customer, string kind, DateTimeOffset at, long sequence)
    {
        if (Count == CustomerIds.Length) Grow(Math.Max(1024, Count * 2));
        if (!_campaigns.TryGetValue(campaign, out var number))
        {
            _campaigns[campaign] = number = _campaignIds.Count;
            _campaignIds.Add(campaign);
        }
        if (!_kinds.TryGetValue(kind, out var kindNumber))
        {
            if (_kindNames.Count > byte.MaxValue) throw new InvalidOperationException("More than 256 kinds of touch.");
            _kinds[kind] = kindNumber = (byte)_kindNames.Count;
            _kindNames.Add(kind);
        }
        (CustomerIds[Count], Campaign[Count], Kind[Count], At[Count], Sequence[Count]) = (customer, number, kindNumber, at, sequence);
        Count++;
    }

    private void Grow(int capacity)
    {
        T[] Larger<T>(T[] column)
        {
            var larger = new T[capacity];
            Array.Copy(column, larger, Count);
            return larger;
        }
        (CustomerIds, Campaign, Kind, At, Sequence) = (Larger(CustomerIds), Larger(Campaign), Larger(Kind), Larger(At), Larger(Sequence));
    }
}

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
