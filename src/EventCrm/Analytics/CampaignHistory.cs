using EventCrm.Customers;
using EventCrm.Infrastructure.Storage;
using EventCrm.Marketing;
using EventCrm.Sales;
using Npgsql;
using NpgsqlTypes;

namespace EventCrm.Analytics;

/// <summary>A purchase that counts as a conversion: recorded, not voided, on the customer it belongs to now (the survivor of merges).</summary>
public sealed record Conversion(Guid PurchaseId, Guid CustomerId, decimal Amount, DateTimeOffset At);

/// <summary>A campaign interaction of a customer (the survivor of merges), at its business time, with the sequence of the event that recorded it.</summary>
public sealed record CampaignTouch(Guid CampaignId, Guid CustomerId, string Kind, DateTimeOffset At, long Sequence);

/// <summary>A campaign's costs known as of the cut: those in the house currency summed, and the other currencies they came in.</summary>
public sealed record CampaignCosts(decimal House, IReadOnlySet<string> OtherCurrencies);

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
        // Four gathers from all over memory, independent of each other: side by side, on as many cores as there are.
        Parallel.Invoke(
            () => PurchaseIds = Permuted(PurchaseIds, order),
            () => CustomerIds = Permuted(CustomerIds, order),
            () => Amounts = Permuted(Amounts, order),
            () => At = Permuted(At, order));
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
/// The kinds of touch, as the API names them: a delivered e-mail (sent and not bounced), an open, a click (a tracked
/// link in a mail, or an ad click reported as a touch), the touches reported for channels the system does not
/// deliver (impression, visit, attended, reply), and a lead that arrived with the campaign's UTM code and became the
/// customer.
/// </summary>
public static class TouchKinds
{
    public const string Delivered = "delivered";
    public const string Open = "open";
    public const string Click = "click";
    public const string Impression = "impression";
    public const string Visit = "visit";
    public const string Attended = "attended";
    public const string Reply = "reply";
    public const string Lead = "lead";

    public static readonly IReadOnlyList<string> All = [Delivered, Open, Click, Impression, Visit, Attended, Reply, Lead];

    /// <summary>
    /// What attribution counts unless told otherwise: what the customer did. A delivery and an impression are left
    /// out: they reach everyone in an audience, and would credit a campaign for every purchase its audience makes.
    /// </summary>
    public static readonly IReadOnlyList<string> AttributionDefault = [Open, Click, Visit, Attended, Reply, Lead];

    public static string Of(TouchKind kind) => kind.ToString().ToLowerInvariant();
}

/// <summary>
/// Purchases, merges and campaign touches as the event log held them at a record time (<c>asOf</c>, null for now):
/// each read from the events themselves, so that a past answer is what the store knew then. The times in them are
/// business times (when things happened).
/// </summary>
public static class CampaignHistory
{
    /// <summary>Each merged duplicate's survivor as of the cut, chains followed to the end.</summary>
    public static async Task<IReadOnlyDictionary<Guid, Guid>> Survivors(NpgsqlDataSource database, StoreNames names, DateTimeOffset? asOf,
        CancellationToken cancellation)
    {
        await using var command = database.CreateCommand($"""
            select e.stream_id, (e.data ->> '{StoreNames.Json<CustomerMergedInto>(x => x.SurvivorId)}')::uuid from {names.Events} e
            where e.type = $1 and ($2::timestamptz is null or e.timestamp <= $2) order by e.seq_id
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = names.EventType<CustomerMergedInto>() });
        command.Parameters.Add(Cut(asOf));
        var into = new Dictionary<Guid, Guid>();
        await using (var reader = await command.ExecuteReaderAsync(cancellation))
            while (await reader.ReadAsync(cancellation)) into[reader.GetGuid(0)] = reader.GetGuid(1);
        return into.Keys.ToDictionary(id => id, id => Resolve(into, id));
    }

    public static Guid Resolve(IReadOnlyDictionary<Guid, Guid> survivors, Guid customer)
    {
        var seen = 0;
        while (survivors.TryGetValue(customer, out var next) && next != customer && seen++ < 64) customer = next;
        return customer;
    }

    /// <summary>
    /// The purchases in <paramref name="currency"/> recorded and not voided as of the cut, each on its customer's
    /// survivor; only those of the customers <paramref name="streams"/> (customer ids, merged duplicates included) when given.
    /// A won opportunity is here once: as the purchase it recorded. Only purchases made in [<paramref name="from"/>,
    /// <paramref name="to"/>) are read when those are given: a question about a period reads that period, not the whole history.
    /// </summary>
    public static async Task<IReadOnlyList<Conversion>> Conversions(NpgsqlDataSource database, StoreNames names, string currency,
        DateTimeOffset? asOf, IReadOnlyDictionary<Guid, Guid> survivors, IReadOnlyCollection<Guid>? streams, DateTimeOffset? from, DateTimeOffset? to,
        CancellationToken cancellation) =>
        [.. (await Purchases(database, names, currency, asOf, streams, from, to, cancellation))
            .Select(p => new Conversion(p.Id, Resolve(survivors, p.Customer), p.Amount, p.At))
            .OrderBy(c => c.At).ThenBy(c => c.PurchaseId)];

    /// <summary>
    /// The same conversions as <see cref="Conversions"/> (of every customer), as columns in the same order: what
    /// attribution as of a cut reads of hundreds of thousands of purchases, without an object per purchase.
    /// </summary>
    public static async Task<ConversionColumns> ConversionColumnsAsOf(NpgsqlDataSource database, StoreNames names, string currency,
        DateTimeOffset? asOf, IReadOnlyDictionary<Guid, Guid> survivors, DateTimeOffset? from, DateTimeOffset? to, CancellationToken cancellation)
    {
        var columns = new ConversionColumns();
        foreach (var p in await Purchases(database, names, currency, asOf, null, from, to, cancellation))
            columns.Add(p.Id, Resolve(survivors, p.Customer), p.Amount, p.At);
        columns.Order();
        return columns;
    }

    /// <summary>
    /// The purchases in <paramref name="currency"/> recorded and not voided as of the cut, on the customer that recorded
    /// them or the one a merge moved them to, in no order.
    /// </summary>
    private static async Task<List<(Guid Id, Guid Customer, decimal Amount, DateTimeOffset At)>> Purchases(NpgsqlDataSource database,
        StoreNames names, string currency, DateTimeOffset? asOf, IReadOnlyCollection<Guid>? streams, DateTimeOffset? from, DateTimeOffset? to,
        CancellationToken cancellation)
    {
        string Key(System.Linq.Expressions.Expression<Func<PurchaseRecorded, object?>> member) => StoreNames.Json(member);
        var where = "($4::timestamptz is null or e.timestamp <= $4) and ($5::uuid[] is null or e.stream_id = any($5))";
        string Made(string purchase) =>
            $"($6::timestamptz is null or ({purchase} ->> '{Key(x => x.PurchasedAt)}')::timestamptz >= $6) and ($7::timestamptz is null or ({purchase} ->> '{Key(x => x.PurchasedAt)}')::timestamptz < $7)";
        await using var command = database.CreateCommand($"""
            select 0, e.stream_id, (e.data ->> '{Key(x => x.PurchaseId)}')::uuid, (e.data ->> '{Key(x => x.Amount)}')::numeric,
                   e.data ->> '{Key(x => x.Currency)}', (e.data ->> '{Key(x => x.PurchasedAt)}')::timestamptz, e.seq_id
            from {names.Events} e where e.type = $1 and {where} and {Made("e.data")}
            union all
            select 0, e.stream_id, (p ->> '{Key(x => x.PurchaseId)}')::uuid, (p ->> '{Key(x => x.Amount)}')::numeric,
                   p ->> '{Key(x => x.Currency)}', (p ->> '{Key(x => x.PurchasedAt)}')::timestamptz, e.seq_id
            from {names.Events} e cross join lateral jsonb_array_elements(e.data -> '{StoreNames.Json<CustomerMerged>(x => x.Purchases)}') p
            where e.type = $2 and {where} and {Made("p")}
            union all
            select 1, e.stream_id, (e.data ->> '{StoreNames.Json<PurchaseVoided>(x => x.PurchaseId)}')::uuid, null, null, null, e.seq_id
            from {names.Events} e where e.type = $3 and {where}
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = names.EventType<PurchaseRecorded>() });
        command.Parameters.Add(new NpgsqlParameter { Value = names.EventType<CustomerMerged>() });
        command.Parameters.Add(new NpgsqlParameter { Value = names.EventType<PurchaseVoided>() });
        command.Parameters.Add(Cut(asOf));
        command.Parameters.Add(new NpgsqlParameter { Value = streams is null ? DBNull.Value : streams.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        command.Parameters.Add(Instant(from));
        command.Parameters.Add(Instant(to));

        // A merge moves a purchase to the survivor (same id), a void takes it away: each event of a purchase replaces
        // what the ones before it said, so the last one recorded (the highest sequence) is the purchase as of the cut.
        // So the rows are kept as they come, and the server does not sort the period's purchase events (770,000 of them at
        // 100,000 customers) for the fold.
        var last = new Dictionary<Guid, (long Sequence, bool Voided, Guid Customer, decimal Amount, string? Currency, DateTimeOffset At)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellation))
            while (await reader.ReadAsync(cancellation))
            {
                var (id, sequence) = (reader.GetGuid(2), reader.GetInt64(6));
                if (last.TryGetValue(id, out var known) && known.Sequence > sequence) continue;
                last[id] = reader.GetInt32(0) == 1
                    ? (sequence, true, default, default, null, default)
                    : (sequence, false, reader.GetGuid(1), reader.GetDecimal(3), reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5));
            }
        return [.. last
            .Where(p => !p.Value.Voided && string.Equals(p.Value.Currency, currency, StringComparison.OrdinalIgnoreCase))
            .Select(p => (p.Key, p.Value.Customer, p.Value.Amount, p.Value.At))];
    }

    /// <summary>
    /// Today's conversions made in [<paramref name="from"/>, <paramref name="to"/>), from <c>analytics.purchase_facts</c>:
    /// the same purchases as <see cref="Conversions"/> without a cut (recorded, not voided, moved to the survivor by a
    /// merge), a moment behind the commands as the purchase facts are, and a narrow table's scan instead of the events';
    /// as columns, in the same order.
    /// </summary>
    public static async Task<ConversionColumns> CurrentConversions(NpgsqlDataSource database, string currency,
        IReadOnlyDictionary<Guid, Guid> survivors, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellation)
    {
        await using var command = database.CreateCommand($"""
            select purchase_id, customer_id, amount, purchased_at from {AnalyticsSchema.PurchaseFacts}
            where upper(currency) = $1 and purchased_at >= $2 and purchased_at < $3
            """);
        command.Parameters.AddWithValue(currency.ToUpperInvariant());
        command.Parameters.Add(Instant(from));
        command.Parameters.Add(Instant(to));
        var conversions = new ConversionColumns();
        await using (var reader = await command.ExecuteReaderAsync(cancellation))
            while (await reader.ReadAsync(cancellation))
                conversions.Add(reader.GetGuid(0), Resolve(survivors, reader.GetGuid(1)), reader.GetDecimal(2), reader.GetFieldValue<DateTimeOffset>(3));
        conversions.Order();
        return conversions;
    }

    /// <summary>
    /// The campaigns' touches recorded as of the cut (of one campaign when <paramref name="campaign"/> is given, of the
    /// <paramref name="kinds"/> when given), in the order recorded, from the touch facts (<see cref="CampaignTouchFactProjection"/>).
    /// A delivery is a sent mail that no bounce recorded by the cut took back; a lead touch is a lead captured with a
    /// campaign's UTM code, once it converted to the customer. Only touches in [<paramref name="from"/>,
    /// <paramref name="to"/>) are read when those are given.
    /// </summary>
    public static async Task<IReadOnlyList<CampaignTouch>> Touches(NpgsqlDataSource database, StoreNames names, Guid? campaign,
        DateTimeOffset? asOf, IReadOnlyDictionary<Guid, Guid> survivors, DateTimeOffset? from, DateTimeOffset? to, CancellationToken cancellation,
        IReadOnlyCollection<string>? kinds = null)
    {
        await using var command = TouchesCommand(database, names, campaign, asOf, from, to, kinds);
        var touches = new List<CampaignTouch>();
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation))
            touches.Add(new CampaignTouch(reader.GetGuid(0), Resolve(survivors, reader.GetGuid(1)), reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.GetInt64(4)));
        return touches;
    }

    /// <summary>
    /// The same touches as <see cref="Touches"/> (of every campaign, in no order), as columns: what attribution reads
    /// of a million touches. Two reads in one: the touches that name their campaign, with no join, and the lead touches
    /// whose UTM code names it, joined to the campaigns (the join over every row and the kind's place per row took a
    /// third or more of the server's time on a million touches). The kind is not read: a row is one event's (keyed by
    /// the event's id, at its sequence), so no two touches share a sequence and the kind, the window order's last key
    /// (<see cref="Attribution.InOrder"/>), never decides; every touch read here has the same, empty one.
    /// </summary>
    public static async Task<TouchColumns> TouchColumns(NpgsqlDataSource database, StoreNames names, DateTimeOffset? asOf,
        IReadOnlyDictionary<Guid, Guid> survivors, DateTimeOffset? from, DateTimeOffset? to, IReadOnlyCollection<string>? kinds,
        CancellationToken cancellation)
    {
        const string counted = """
            ($1::timestamptz is null or t.recorded_at <= $1)
              and (t.bounced_at is null or t.bounced_at > $1)
              and ($2::timestamptz is null or t.touched_at >= $2)
              and ($3::timestamptz is null or t.touched_at < $3)
              and ($4::text[] is null or t.kind = any($4))
            """;
        await using var command = database.CreateCommand($"""
            select t.campaign_id, t.customer_id, t.touched_at, t.sequence from {CampaignTouchFactProjection.Table} t
            where t.campaign_id is not null and {counted}
            union all
            select c.id, t.customer_id, t.touched_at, t.sequence
            from {CampaignTouchFactProjection.Table} t join {names.Table<CampaignView>()} c on c.{names.Column<CampaignView>(v => v.UtmCampaign)} = t.utm_campaign
            where t.campaign_id is null and {counted}
            """);
        command.Parameters.Add(Cut(asOf));
        command.Parameters.Add(Instant(from));
        command.Parameters.Add(Instant(to));
        command.Parameters.Add(new NpgsqlParameter { Value = kinds is null ? DBNull.Value : kinds.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        var touches = new TouchColumns();
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation))
            touches.Add(reader.GetGuid(0), Resolve(survivors, reader.GetGuid(1)), "", reader.GetFieldValue<DateTimeOffset>(2), reader.GetInt64(3));
        return touches;
    }

    /// <summary>The touch facts' query, in the order recorded.</summary>
    private static NpgsqlCommand TouchesCommand(NpgsqlDataSource database, StoreNames names, Guid? campaign, DateTimeOffset? asOf,
        DateTimeOffset? from, DateTimeOffset? to, IReadOnlyCollection<string>? kinds)
    {
        var campaigns = names.Table<CampaignView>();
        var utm = names.Column<CampaignView>(v => v.UtmCampaign);
        var command = database.CreateCommand($"""
            select coalesce(t.campaign_id, c.id), t.customer_id, t.kind, t.touched_at, t.sequence
            from {CampaignTouchFactProjection.Table} t left join {campaigns} c on t.campaign_id is null and c.{utm} = t.utm_campaign
            where coalesce(t.campaign_id, c.id) is not null
              and ($1::timestamptz is null or t.recorded_at <= $1)
              and (t.bounced_at is null or t.bounced_at > $1)
              and ($2::uuid is null or coalesce(t.campaign_id, c.id) = $2)
              and ($3::timestamptz is null or t.touched_at >= $3)
              and ($4::timestamptz is null or t.touched_at < $4)
              and ($5::text[] is null or t.kind = any($5))
            order by t.sequence
            """);
        command.Parameters.Add(Cut(asOf));
        command.Parameters.Add(new NpgsqlParameter { Value = campaign is { } id ? id : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(Instant(from));
        command.Parameters.Add(Instant(to));
        command.Parameters.Add(new NpgsqlParameter { Value = kinds is null ? DBNull.Value : kinds.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        return command;
    }

    /// <summary>
    /// For the purchases that won opportunities recorded (the purchase has the opportunity's id): when the opportunity
    /// was opened and, if it came from a lead, when that lead was captured. The W-shaped model reads them as positions.
    /// Of every win when <paramref name="purchases"/> is null, so that it can be read beside the conversions.
    /// </summary>
    public static async Task<IReadOnlyDictionary<Guid, (DateTimeOffset? LeadCreatedAt, DateTimeOffset OpportunityCreatedAt)>> Positions(
        NpgsqlDataSource database, StoreNames names, IReadOnlyCollection<Guid>? purchases, DateTimeOffset? asOf, CancellationToken cancellation)
    {
        // From the wins (a type index read) rather than by every purchase's id: only a won opportunity records a
        // purchase with its own id, and there are far fewer wins than purchases.
        await using var command = database.CreateCommand($"""
            select distinct o.stream_id, (l.data ->> '{StoreNames.Json<LeadCaptured>(x => x.CapturedAt)}')::timestamptz,
                   (o.data ->> '{StoreNames.Json<OpportunityOpened>(x => x.OpenedAt)}')::timestamptz
            from {names.Events} w
              join {names.Events} o on o.stream_id = w.stream_id and o.type = $1 and ($4::timestamptz is null or o.timestamp <= $4)
              left join {names.Events} l on l.stream_id = (o.data ->> '{StoreNames.Json<OpportunityOpened>(x => x.SourceLeadId)}')::uuid
                and l.type = $2 and ($4::timestamptz is null or l.timestamp <= $4)
            where w.type = $3 and ($4::timestamptz is null or w.timestamp <= $4)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = names.EventType<OpportunityOpened>() });
        command.Parameters.Add(new NpgsqlParameter { Value = names.EventType<LeadCaptured>() });
        command.Parameters.Add(new NpgsqlParameter { Value = names.EventType<OpportunityWon>() });
        command.Parameters.Add(Cut(asOf));
        var wanted = purchases is null ? null : purchases as IReadOnlySet<Guid> ?? purchases.ToHashSet();
        var positions = new Dictionary<Guid, (DateTimeOffset?, DateTimeOffset)>();
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation))
            if (wanted is null || wanted.Contains(reader.GetGuid(0)))
                positions[reader.GetGuid(0)] = (reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2));
        return positions;
    }

    /// <summary>Each campaign's costs recorded as of the cut: its recorded costs and what its reported touches cost.</summary>
    public static async Task<IReadOnlyDictionary<Guid, CampaignCosts>> Costs(NpgsqlDataSource database, StoreNames names, string currency,
        DateTimeOffset? asOf, CancellationToken cancellation)
    {
        await using var command = database.CreateCommand($"""
            select e.stream_id, upper(e.data ->> '{StoreNames.Json<CampaignCostRecorded>(x => x.Currency)}'),
                   sum((e.data ->> '{StoreNames.Json<CampaignCostRecorded>(x => x.Amount)}')::numeric)
            from {names.Events} e where e.type = $1 and ($2::timestamptz is null or e.timestamp <= $2) group by 1, 2
            union all
            select t.campaign_id, t.currency, sum(t.cost) from {CampaignTouchFactProjection.Table} t
            where t.cost is not null and t.campaign_id is not null and ($2::timestamptz is null or t.recorded_at <= $2)
            group by 1, 2
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = names.EventType<CampaignCostRecorded>() });
        command.Parameters.Add(Cut(asOf));
        var costs = new Dictionary<Guid, (decimal House, HashSet<string> Others)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellation))
            while (await reader.ReadAsync(cancellation))
            {
                var id = reader.GetGuid(0);
                var entry = costs.TryGetValue(id, out var known) ? known : (House: 0m, Others: new HashSet<string>());
                var money = reader.IsDBNull(1) ? "" : reader.GetString(1);
                if (money == currency.ToUpperInvariant()) entry.House += reader.GetDecimal(2);
                else entry.Others.Add(money);
                costs[id] = entry;
            }
        return costs.ToDictionary(c => c.Key, c => new CampaignCosts(c.Value.House, c.Value.Others));
    }

    private static NpgsqlParameter Cut(DateTimeOffset? asOf) => Instant(asOf);

    private static NpgsqlParameter Instant(DateTimeOffset? at) =>
        new() { Value = at is { } value ? value : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz };
}
