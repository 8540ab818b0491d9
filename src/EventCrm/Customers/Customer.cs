namespace EventCrm.Customers;

public enum CustomerStatus { Active, Inactive, Merged, Erased }

/// <summary>
/// The customer as its commands need it: just enough state to decide, folded from the stream by
/// <see cref="Create"/> and the <c>Apply</c> methods, each of which returns the next state and changes nothing.
/// Marten keeps loaded aggregates in an identity map, so a handler that changed one would corrupt it.
/// </summary>
public sealed record Customer
{
    public Guid Id { get; init; }
    public int Version { get; init; }
    public CustomerStatus Status { get; init; }
    public Guid? MergedInto { get; init; }
    public string Name { get; init; } = "";
    public string? Email { get; init; }
    public string? Phone { get; init; }
    public Demographics? Demographics { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public string? Owner { get; init; }
    public IReadOnlyList<PurchaseRecorded> Purchases { get; init; } = [];
    public IReadOnlyList<ConsentDecision> Consents { get; init; } = [];
    public IReadOnlyList<Guid> MergedDuplicates { get; init; } = [];

    public static Customer Create(CustomerRegistered registered) => new()
    {
        Name = registered.Name,
        Email = registered.Email,
        Phone = registered.Phone,
        Demographics = registered.Demographics,
        Tags = [.. registered.Tags ?? []],
    };

    public Customer Apply(ContactDetailsChanged changed) => this with { Email = changed.Email, Phone = changed.Phone };

    public Customer Apply(DemographicsChanged changed) => this with { Demographics = changed.Demographics };

    public Customer Apply(TagsAdded added) => this with { Tags = [.. Tags.Union(added.Tags)] };

    public Customer Apply(TagsRemoved removed) => this with { Tags = [.. Tags.Except(removed.Tags)] };

    public Customer Apply(OwnerAssigned assigned) => this with { Owner = assigned.Owner };

    public Customer Apply(OwnerUnassigned _) => this with { Owner = null };

    public Customer Apply(PurchaseRecorded purchase) => this with { Purchases = [.. Purchases, purchase] };

    public Customer Apply(PurchaseVoided voided) =>
        this with { Purchases = [.. Purchases.Where(p => p.PurchaseId != voided.PurchaseId)] };

    public Customer Apply(ConsentGranted granted) => this with
    {
        Consents = Consent.Decide(Consents, new ConsentDecision(granted.Channel, granted.Purpose, true, granted.Source, granted.At)),
    };

    public Customer Apply(ConsentWithdrawn withdrawn) => this with
    {
        Consents = Consent.Decide(Consents, new ConsentDecision(withdrawn.Channel, withdrawn.Purpose, false, withdrawn.Source, withdrawn.At)),
    };

    public Customer Apply(CustomerDeactivated _) => this with { Status = CustomerStatus.Inactive };

    public Customer Apply(CustomerReactivated _) => this with { Status = CustomerStatus.Active };

    public Customer Apply(CustomerMergedInto merged) => this with { Status = CustomerStatus.Merged, MergedInto = merged.SurvivorId };

    public Customer Apply(CustomerMerged merged) => this with
    {
        MergedDuplicates = [.. MergedDuplicates, merged.DuplicateId],
        Purchases = [.. Purchases, .. merged.Purchases],
        Tags = [.. Tags.Union(merged.Tags)],
        Consents = merged.Consents.Aggregate((IReadOnlyList<ConsentDecision>)Consents, Consent.Decide),
    };

    public Customer Apply(CustomerErased _) => this with
    {
        Status = CustomerStatus.Erased,
        Name = "",
        Email = null,
        Phone = null,
        Demographics = null,
        Tags = [],
    };
}
