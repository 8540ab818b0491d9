using EventCrm.Customers;
using EventCrm.Infrastructure;
using EventCrm.Service;
using JasperFx.Events;
using Marten;
using Marten.Events;

namespace EventCrm.Models;

/// <summary>
/// The customers' pasts read straight from the event store, so that features can be taken as of any cutoff and
/// labels from what happened after it: nothing a read model has folded away (or a later change overwrote) leaks
/// across the cutoff. Only what was recorded by <c>recordedBy</c> (a run's start) is read: a fact recorded
/// later, whatever its business time, belongs to later runs. Purchases count in the house currency; a merge's
/// purchases count for the survivor; voided purchases do not count.
/// </summary>
public sealed class CustomerHistories(IDocumentStore store, CustomerRules rules)
{
    /// <summary>Every registered customer's past (merged and erased ones too, marked so), as recorded by <paramref name="recordedBy"/>.</summary>
    public async Task<Dictionary<Guid, CustomerPast>> Load(Guid? only, DateTimeOffset recordedBy, CancellationToken cancellation)
    {
        await using var session = store.QuerySession();
        var types = Dispatch<CustomerPasts>.EventTypes.ToArray();
        var events = session.Events.QueryAllRawEvents().Where(e => e.EventTypesAre(types) && e.Timestamp <= recordedBy);
        // One customer: its own stream, and the tickets (streams of their own) that name it.
        if (only is { } id) events = events.Where(e => e.StreamId == id || e.EventTypeName == TicketOpenedType);

        var pasts = new CustomerPasts(rules.HouseCurrency, only);
        await foreach (var e in events.OrderBy(e => e.Sequence).ToAsyncEnumerable(cancellation))
            Dispatch<CustomerPasts>.Apply(pasts, e);
        return pasts.Customers();
    }

    private string TicketOpenedType =>
        ((DocumentStore)store).Events.EventMappingFor(typeof(TicketOpened)).EventTypeName;
}

/// <summary>
/// The customers' pasts as a run sees them (recorded by its start): read from the store the first time one of its
/// models asks, and that one read for every model of the run, so models trained together read the history once.
/// Nothing writes to the pasts after the fold (the features only read them), so models fitted at once share them.
/// </summary>
public sealed class RunHistory
{
    private readonly Lazy<Task<IReadOnlyDictionary<Guid, CustomerPast>>> _pasts;
    private double? _seconds;

    public RunHistory(CustomerHistories histories, DateTimeOffset recordedBy, CancellationToken cancellation)
    {
        RecordedBy = recordedBy;
        _pasts = new(async () =>
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var pasts = await histories.Load(null, recordedBy, cancellation);
            _seconds = watch.Elapsed.TotalSeconds;
            return pasts;
        });
    }

    public DateTimeOffset RecordedBy { get; }

    /// <summary>Every registered customer's past, read on the first call.</summary>
    public Task<IReadOnlyDictionary<Guid, CustomerPast>> Pasts() => _pasts.Value;

    /// <summary>How long the read took, once it has been made.</summary>
    public double? Seconds => _seconds;
}

/// <summary>What the event store says about one customer, with the business time of every fact.</summary>
public sealed class CustomerPast
{
    public Guid Id { get; init; }
    /// <summary>The registration's business time: as the sender stated it, or when it was registered.</summary>
    public DateTimeOffset RegisteredAt { get; set; }
    /// <summary>The first purchase in any currency, voided ones aside.</summary>
    public DateTimeOffset? FirstPurchaseAt { get; set; }

    /// <summary>
    /// When it became a customer: the earliest known business fact, its registration or its first purchase. A
    /// customer imported without a registration date is registered at the import, after purchases that go back
    /// years: those purchases say when it really began.
    /// </summary>
    public DateTimeOffset Since => FirstPurchaseAt < RegisteredAt ? FirstPurchaseAt.Value : RegisteredAt;

    public string? Source { get; set; }
    /// <summary>Demographics as stated, each with when it was stated; the latest up to a cutoff counts.</summary>
    public List<(DateTimeOffset At, DateOnly? BirthDate, int? Age, decimal? Income, string? Country)> Demographics { get; } = [];
    /// <summary>Purchases in the house currency.</summary>
    public List<(Guid Id, DateTimeOffset At, decimal Amount)> Purchases { get; } = [];
    public List<(DateTimeOffset At, bool Complaint)> Tickets { get; } = [];
    /// <summary>Deactivations (true) and reactivations (false), in order.</summary>
    public List<(DateTimeOffset At, bool Inactive)> Activity { get; } = [];
    public bool Merged { get; set; }
    public bool Erased { get; set; }
    /// <summary>Merged into another customer or erased: no longer a customer of its own.</summary>
    public bool Gone => Merged || Erased;
}

/// <summary>The fold of the store's events into every customer's past, in the order they were appended.</summary>
public sealed class CustomerPasts(string houseCurrency, Guid? only)
{
    private readonly Dictionary<Guid, CustomerPast> _pasts = new();
    private readonly HashSet<Guid> _voided = [];
    // Every purchase, in any currency: the first one says when a customer began.
    private readonly List<(Guid Customer, Guid Purchase, DateTimeOffset At)> _bought = [];

    private CustomerPast Of(Guid id) => _pasts.TryGetValue(id, out var past) ? past : _pasts[id] = new CustomerPast { Id = id };

    public void Apply(IEvent<CustomerRegistered> e)
    {
        var past = Of(e.StreamId);
        past.RegisteredAt = e.Data.RegisteredAt;
        past.Source = e.Data.AcquisitionSource;
        past.Demographics.Add(Stated(e.Data.RegisteredAt, e.Data.Demographics));
    }

    public void Apply(IEvent<DemographicsChanged> e) => Of(e.StreamId).Demographics.Add(Stated(e.Data.ChangedAt, e.Data.Demographics));

    public void Apply(IEvent<PurchaseRecorded> e) => Bought(e.StreamId, e.Data);

    public void Apply(IEvent<PurchaseVoided> e) => _voided.Add(e.Data.PurchaseId);

    /// <summary>A merge hands the duplicate's purchases to the survivor.</summary>
    public void Apply(IEvent<CustomerMerged> e)
    {
        foreach (var purchase in e.Data.Purchases) Bought(e.StreamId, purchase);
    }

    public void Apply(IEvent<CustomerDeactivated> e) => Of(e.StreamId).Activity.Add((e.Data.At, true));

    public void Apply(IEvent<CustomerReactivated> e) => Of(e.StreamId).Activity.Add((e.Data.At, false));

    public void Apply(IEvent<CustomerMergedInto> e) => Of(e.StreamId).Merged = true;

    public void Apply(IEvent<CustomerErased> e) => Of(e.StreamId).Erased = true;

    public void Apply(IEvent<TicketOpened> e)
    {
        if (only is null || e.Data.CustomerId == only)
            Of(e.Data.CustomerId).Tickets.Add((e.Data.OpenedAt, e.Data.Kind == TicketKind.Complaint));
    }

    /// <summary>Registered customers only: tickets can name streams no registration produced.</summary>
    public Dictionary<Guid, CustomerPast> Customers()
    {
        foreach (var past in _pasts.Values) past.Purchases.RemoveAll(p => _voided.Contains(p.Id));
        foreach (var (customer, _, at) in _bought.Where(b => !_voided.Contains(b.Purchase)))
        {
            var past = _pasts[customer];
            if (past.FirstPurchaseAt is null || at < past.FirstPurchaseAt) past.FirstPurchaseAt = at;
        }
        return _pasts.Where(p => p.Value.RegisteredAt != default).ToDictionary();
    }

    private void Bought(Guid customer, PurchaseRecorded purchase)
    {
        _bought.Add((customer, purchase.PurchaseId, purchase.PurchasedAt));
        if (purchase.Currency == houseCurrency) Of(customer).Purchases.Add((purchase.PurchaseId, purchase.PurchasedAt, purchase.Amount));
        else Of(customer);
    }

    private static (DateTimeOffset, DateOnly?, int?, decimal?, string?) Stated(DateTimeOffset at, Demographics? d) =>
        (at, d?.BirthDate, d?.Age, d?.AnnualIncome, d?.Country);
}
