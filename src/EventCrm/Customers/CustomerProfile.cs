using JasperFx;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace EventCrm.Customers;

/// <summary>What a client reads about one customer. Projected inline, so it is current right after a command.</summary>
public sealed class CustomerProfile : IRevisioned
{
    public Guid Id { get; set; }

    /// <summary>The stream version this view reflects: send it back as the expected version of a command.</summary>
    public int Version { get; set; }

    public CustomerStatus Status { get; set; }
    public Guid? MergedInto { get; set; }
    public string? Name { get; set; }
    public string? Email { get; set; }
    public string? Phone { get; set; }
    public DateOnly? BirthDate { get; set; }

    /// <summary>From the birth date, or from an age as stated at the time it was given.</summary>
    public int? BirthYear { get; set; }

    public decimal? AnnualIncome { get; set; }
    public string? Country { get; set; }
    public string? Region { get; set; }
    public string? Industry { get; set; }

    /// <summary>IANA time zone id, where known (marketing mail keeps quiet hours in it).</summary>
    public string? TimeZone { get; set; }

    public string? AcquisitionSource { get; set; }
    public List<string> Tags { get; set; } = [];
    public string? Owner { get; set; }
    public DateTimeOffset RegisteredAt { get; set; }
    public DateTimeOffset LastChangedAt { get; set; }
    public string? DeactivationReason { get; set; }

    /// <summary>Purchases in every currency.</summary>
    public int PurchaseCount { get; set; }

    /// <summary>The currency of <see cref="TotalSpent"/> and <see cref="AveragePurchase"/> (the house currency).</summary>
    public string Currency { get; set; } = "";

    public decimal TotalSpent { get; set; }
    public decimal? AveragePurchase { get; set; }
    public Dictionary<string, CurrencySpend> SpentByCurrency { get; set; } = [];
    public DateTimeOffset? FirstPurchaseAt { get; set; }
    public DateTimeOffset? LastPurchaseAt { get; set; }
    public List<ConsentDecision> Consents { get; set; } = [];
    public List<Guid> MergedDuplicates { get; set; } = [];
    public DateTimeOffset? ErasedAt { get; set; }

    /// <summary>Worked out when the profile is read (stored null): today's age.</summary>
    public int? Age { get; set; }

    /// <summary>Worked out when the profile is read (stored null).</summary>
    public int? DaysSinceLastPurchase { get; set; }

    /// <summary>Fills in the figures that depend on today's date.</summary>
    public CustomerProfile AsOf(DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        Age = BirthDate is { } born
            ? today.Year - born.Year - (today < born.AddYears(today.Year - born.Year) ? 1 : 0)
            : today.Year - BirthYear;
        DaysSinceLastPurchase = LastPurchaseAt is { } last ? Math.Max(0, (int)(now - last).TotalDays) : null;
        return this;
    }
}

public sealed record CurrencySpend(int Count, decimal Total);

/// <summary>
/// Builds <see cref="CustomerProfile"/> from a customer's stream. Times come from the events only, so a
/// rebuild reproduces the same documents; totals are in the house currency the projection is built with.
/// </summary>
public partial class CustomerProfileProjection(string houseCurrency) : SingleStreamProjection<CustomerProfile, Guid>
{
    public CustomerProfile Create(IEvent<CustomerRegistered> registered)
    {
        var data = registered.Data;
        var profile = new CustomerProfile
        {
            Id = registered.StreamId,
            Name = data.Name,
            Email = data.Email,
            Phone = data.Phone,
            AcquisitionSource = data.AcquisitionSource,
            Tags = [.. data.Tags ?? []],
            RegisteredAt = data.RegisteredAt,
            LastChangedAt = data.RegisteredAt,
            Currency = houseCurrency,
        };
        SetDemographics(profile, data.Demographics, data.RegisteredAt);
        return profile;
    }

    public void Apply(ContactDetailsChanged changed, CustomerProfile profile)
    {
        profile.Email = changed.Email;
        profile.Phone = changed.Phone;
        profile.LastChangedAt = changed.ChangedAt;
    }

    public void Apply(DemographicsChanged changed, CustomerProfile profile)
    {
        SetDemographics(profile, changed.Demographics, changed.ChangedAt);
        profile.LastChangedAt = changed.ChangedAt;
    }

    public void Apply(TagsAdded added, CustomerProfile profile)
    {
        profile.Tags = [.. profile.Tags.Union(added.Tags).Order(StringComparer.Ordinal)];
        profile.LastChangedAt = added.At;
    }

    public void Apply(TagsRemoved removed, CustomerProfile profile)
    {
        profile.Tags = [.. profile.Tags.Except(removed.Tags)];
        profile.LastChangedAt = removed.At;
    }

    public void Apply(OwnerAssigned assigned, CustomerProfile profile)
    {
        profile.Owner = assigned.Owner;
        profile.LastChangedAt = assigned.At;
    }

    public void Apply(OwnerUnassigned unassigned, CustomerProfile profile)
    {
        profile.Owner = null;
        profile.LastChangedAt = unassigned.At;
    }

    public void Apply(PurchaseRecorded purchase, CustomerProfile profile) => AddPurchase(profile, purchase);

    public void Apply(PurchaseVoided voided, CustomerProfile profile)
    {
        profile.PurchaseCount--;
        var spend = profile.SpentByCurrency.GetValueOrDefault(voided.Currency) ?? new CurrencySpend(1, voided.Amount);
        spend = new CurrencySpend(spend.Count - 1, spend.Total - voided.Amount);
        if (spend.Count == 0) profile.SpentByCurrency.Remove(voided.Currency);
        else profile.SpentByCurrency[voided.Currency] = spend;
        if (voided.Currency == houseCurrency)
        {
            profile.TotalSpent = spend.Count == 0 ? 0 : spend.Total;
            profile.AveragePurchase = spend.Count == 0 ? null : decimal.Round(spend.Total / spend.Count, 2, MidpointRounding.AwayFromZero);
        }
        profile.FirstPurchaseAt = voided.FirstPurchaseAt;
        profile.LastPurchaseAt = voided.LastPurchaseAt;
        profile.LastChangedAt = voided.At;
    }

    public void Apply(ConsentGranted granted, CustomerProfile profile)
    {
        profile.Consents = Consent.Decide(profile.Consents,
            new ConsentDecision(granted.Channel, granted.Purpose, true, granted.Source, granted.At));
        profile.LastChangedAt = granted.At;
    }

    public void Apply(ConsentWithdrawn withdrawn, CustomerProfile profile)
    {
        profile.Consents = Consent.Decide(profile.Consents,
            new ConsentDecision(withdrawn.Channel, withdrawn.Purpose, false, withdrawn.Source, withdrawn.At));
        profile.LastChangedAt = withdrawn.At;
    }

    public void Apply(CustomerDeactivated deactivated, CustomerProfile profile)
    {
        profile.Status = CustomerStatus.Inactive;
        profile.DeactivationReason = deactivated.Reason;
        profile.LastChangedAt = deactivated.At;
    }

    public void Apply(CustomerReactivated reactivated, CustomerProfile profile)
    {
        profile.Status = CustomerStatus.Active;
        profile.DeactivationReason = null;
        profile.LastChangedAt = reactivated.At;
    }

    public void Apply(CustomerMergedInto merged, CustomerProfile profile)
    {
        profile.Status = CustomerStatus.Merged;
        profile.MergedInto = merged.SurvivorId;
        profile.LastChangedAt = merged.At;
    }

    public void Apply(CustomerMerged merged, CustomerProfile profile)
    {
        foreach (var purchase in merged.Purchases) AddPurchase(profile, purchase);
        profile.Tags = [.. profile.Tags.Union(merged.Tags).Order(StringComparer.Ordinal)];
        foreach (var decision in merged.Consents) profile.Consents = Consent.Decide(profile.Consents, decision);
        profile.MergedDuplicates.Add(merged.DuplicateId);
        profile.LastChangedAt = merged.At;
    }

    /// <summary>Every personal field goes; figures, consents, country and industry stay for the audit.</summary>
    public void Apply(CustomerErased erased, CustomerProfile profile)
    {
        profile.Status = CustomerStatus.Erased;
        profile.Name = null;
        profile.Email = null;
        profile.Phone = null;
        profile.BirthDate = null;
        profile.BirthYear = null;
        profile.AnnualIncome = null;
        profile.Region = null;
        profile.Tags = [];
        profile.DeactivationReason = null;
        profile.ErasedAt = erased.At;
        profile.LastChangedAt = erased.At;
    }

    private static void SetDemographics(CustomerProfile profile, Demographics? demographics, DateTimeOffset statedAt)
    {
        profile.BirthDate = demographics?.BirthDate;
        profile.BirthYear = demographics?.BirthDate?.Year ?? (statedAt.Year - demographics?.Age);
        profile.AnnualIncome = demographics?.AnnualIncome;
        profile.Country = demographics?.Country;
        profile.Region = demographics?.Region;
        profile.Industry = demographics?.Industry;
        profile.TimeZone = demographics?.TimeZone;
    }

    private void AddPurchase(CustomerProfile profile, PurchaseRecorded purchase)
    {
        profile.PurchaseCount++;
        var spend = profile.SpentByCurrency.GetValueOrDefault(purchase.Currency) ?? new CurrencySpend(0, 0m);
        spend = new CurrencySpend(spend.Count + 1, spend.Total + purchase.Amount);
        profile.SpentByCurrency[purchase.Currency] = spend;
        if (purchase.Currency == houseCurrency)
        {
            profile.TotalSpent = spend.Total;
            profile.AveragePurchase = decimal.Round(spend.Total / spend.Count, 2, MidpointRounding.AwayFromZero);
        }
        if (profile.FirstPurchaseAt is null || purchase.PurchasedAt < profile.FirstPurchaseAt)
            profile.FirstPurchaseAt = purchase.PurchasedAt;
        if (profile.LastPurchaseAt is null || purchase.PurchasedAt > profile.LastPurchaseAt)
            profile.LastPurchaseAt = purchase.PurchasedAt;
    }
}
