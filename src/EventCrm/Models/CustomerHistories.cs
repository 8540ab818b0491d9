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
/// across the cutoff. Purchases count in the house currency; a merge's purchases count for the survivor; voided
/// purchases do not count.
/// </summary>
public sealed class CustomerHistories(IDocumentStore store, CustomerRules rules)
{
    public async Task<Dictionary<Guid, CustomerPast>> Load(Guid? only, CancellationToken cancellation)
    {
        await using var session = store.QuerySession();
        var types = Dispatch<CustomerPasts>.EventTypes.ToArray();
        var events = session.Events.QueryAllRawEvents().Where(e => e.EventTypesAre(types));
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

/// <summary>What the event store says about one customer, with the business time of every fact.</summary>
public sealed class CustomerPast
{
    public Guid Id { get; init; }
    public DateTimeOffset RegisteredAt { get; set; }
    public string? Source { get; set; }
    /// <summary>Demographics as stated, each with when it was stated; the latest up to a cutoff counts.</summary>
    public List<(DateTimeOffset At, DateOnly? BirthDate, int? Age, decimal? Income, string? Country)> Demographics { get; } = [];
    public List<(Guid Id, DateTimeOffset At, decimal Amount)> Purchases { get; } = [];
    public List<(DateTimeOffset At, bool Complaint)> Tickets { get; } = [];
    /// <summary>Deactivations (true) and reactivations (false), in order.</summary>
    public List<(DateTimeOffset At, bool Inactive)> Activity { get; } = [];
    /// <summary>Merged into another customer or erased: no longer a customer of its own.</summary>
    public bool Gone { get; set; }
}

/// <summary>The fold of the store's events into every customer's past, in the order they were appended.</summary>
public sealed class CustomerPasts(string houseCurrency, Guid? only)
{
    private readonly Dictionary<Guid, CustomerPast> _pasts = new();
    private readonly HashSet<Guid> _voided = [];

    private CustomerPast Of(Guid id) => _pasts.TryGetValue(id, out var past) ? past : _pasts[id] = new CustomerPast { Id = id };

    public void Apply(IEvent<CustomerRegistered> e)
    {
        var past = Of(e.StreamId);
        past.RegisteredAt = e.Data.RegisteredAt;
        past.Source = e.Data.AcquisitionSource;
        past.Demographics.Add(Stated(e.Data.RegisteredAt, e.Data.Demographics));
    }

    public void Apply(IEvent<DemographicsChanged> e) => Of(e.StreamId).Demographics.Add(Stated(e.Data.ChangedAt, e.Data.Demographics));

    public void Apply(IEvent<PurchaseRecorded> e)
    {
        if (e.Data.Currency == houseCurrency) Of(e.StreamId).Purchases.Add((e.Data.PurchaseId, e.Data.PurchasedAt, e.Data.Amount));
    }

    public void Apply(IEvent<PurchaseVoided> e) => _voided.Add(e.Data.PurchaseId);

    /// <summary>A merge hands the duplicate's purchases to the survivor.</summary>
    public void Apply(IEvent<CustomerMerged> e) =>
        Of(e.StreamId).Purchases.AddRange(e.Data.Purchases.Where(p => p.Currency == houseCurrency).Select(p => (p.PurchaseId, p.PurchasedAt, p.Amount)));

    public void Apply(IEvent<CustomerDeactivated> e) => Of(e.StreamId).Activity.Add((e.Data.At, true));

    public void Apply(IEvent<CustomerReactivated> e) => Of(e.StreamId).Activity.Add((e.Data.At, false));

    public void Apply(IEvent<CustomerMergedInto> e) => Of(e.StreamId).Gone = true;

    public void Apply(IEvent<CustomerErased> e) => Of(e.StreamId).Gone = true;

    public void Apply(IEvent<TicketOpened> e)
    {
        if (only is null || e.Data.CustomerId == only)
            Of(e.Data.CustomerId).Tickets.Add((e.Data.OpenedAt, e.Data.Kind == TicketKind.Complaint));
    }

    /// <summary>Real customers only: tickets can name streams no registration produced, or that are gone.</summary>
    public Dictionary<Guid, CustomerPast> Customers()
    {
        foreach (var past in _pasts.Values) past.Purchases.RemoveAll(p => _voided.Contains(p.Id));
        return _pasts.Where(p => p.Value.RegisteredAt != default && !p.Value.Gone).ToDictionary();
    }

    private static (DateTimeOffset, DateOnly?, int?, decimal?, string?) Stated(DateTimeOffset at, Demographics? d) =>
        (at, d?.BirthDate, d?.Age, d?.AnnualIncome, d?.Country);
}
