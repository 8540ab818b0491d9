namespace EventCrm.Customers;

public enum CustomerStatus { Active, Inactive, Merged, Erased }

/// <summary>
/// The customer as its commands need it: just enough state to decide. Rebuilt from the stream for every
/// command; handlers read it and return events, never change it.
/// </summary>
public sealed class Customer
{
    public Guid Id { get; set; }
    public int Version { get; set; }
    public CustomerStatus Status { get; set; }
    public Guid? MergedInto { get; set; }
    public string Name { get; set; } = "";
    public string? Email { get; set; }
    public string? Phone { get; set; }
    public Demographics? Demographics { get; set; }
    public List<string> Tags { get; set; } = [];
    public string? Owner { get; set; }
    public List<PurchaseRecorded> Purchases { get; set; } = [];
    public List<ConsentDecision> Consents { get; set; } = [];
    public List<Guid> MergedDuplicates { get; set; } = [];

    /// <summary>
    /// Applies one more event the way Marten does when it loads the stream, and counts it: for code that
    /// decides several commands on the same customer in a row (imports, demo data).
    /// </summary>
    public Customer Play(object e)
    {
        switch (e)
        {
            case ContactDetailsChanged x: Apply(x); break;
            case DemographicsChanged x: Apply(x); break;
            case TagsAdded x: Apply(x); break;
            case TagsRemoved x: Apply(x); break;
            case OwnerAssigned x: Apply(x); break;
            case OwnerUnassigned x: Apply(x); break;
            case PurchaseRecorded x: Apply(x); break;
            case PurchaseVoided x: Apply(x); break;
            case ConsentGranted x: Apply(x); break;
            case ConsentWithdrawn x: Apply(x); break;
            case CustomerDeactivated x: Apply(x); break;
            case CustomerReactivated x: Apply(x); break;
            default: throw new InvalidOperationException($"{e.GetType().Name} is not applied to a loaded customer here.");
        }
        Version++;
        return this;
    }

    public static Customer Create(CustomerRegistered registered) => new()
    {
        Name = registered.Name,
        Email = registered.Email,
        Phone = registered.Phone,
        Demographics = registered.Demographics,
        Tags = [.. registered.Tags ?? []],
    };

    public void Apply(ContactDetailsChanged changed)
    {
        Email = changed.Email;
        Phone = changed.Phone;
    }

    public void Apply(DemographicsChanged changed) => Demographics = changed.Demographics;

    public void Apply(TagsAdded added) => Tags = [.. Tags.Union(added.Tags)];

    public void Apply(TagsRemoved removed) => Tags = [.. Tags.Except(removed.Tags)];

    public void Apply(OwnerAssigned assigned) => Owner = assigned.Owner;

    public void Apply(OwnerUnassigned _) => Owner = null;

    public void Apply(PurchaseRecorded purchase) => Purchases.Add(purchase);

    public void Apply(PurchaseVoided voided) => Purchases.RemoveAll(p => p.PurchaseId == voided.PurchaseId);

    public void Apply(ConsentGranted granted) =>
        Consents = Consent.Decide(Consents, new ConsentDecision(granted.Channel, granted.Purpose, true, granted.Source, granted.At));

    public void Apply(ConsentWithdrawn withdrawn) =>
        Consents = Consent.Decide(Consents, new ConsentDecision(withdrawn.Channel, withdrawn.Purpose, false, withdrawn.Source, withdrawn.At));

    public void Apply(CustomerDeactivated _) => Status = CustomerStatus.Inactive;

    public void Apply(CustomerReactivated _) => Status = CustomerStatus.Active;

    public void Apply(CustomerMergedInto merged)
    {
        Status = CustomerStatus.Merged;
        MergedInto = merged.SurvivorId;
    }

    public void Apply(CustomerMerged merged)
    {
        MergedDuplicates.Add(merged.DuplicateId);
        Purchases.AddRange(merged.Purchases);
        Tags = [.. Tags.Union(merged.Tags)];
        foreach (var decision in merged.Consents) Consents = Consent.Decide(Consents, decision);
    }

    public void Apply(CustomerErased _)
    {
        Status = CustomerStatus.Erased;
        Name = "";
        Email = null;
        Phone = null;
        Demographics = null;
        Tags = [];
    }
}
