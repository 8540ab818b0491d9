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
