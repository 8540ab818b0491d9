namespace EventCrm.Customers;

/// <summary>Customer settings (section <c>Customers</c>).</summary>
public sealed class CustomerRules
{
    public const string Section = "Customers";

    /// <summary>ISO 3166 region assumed for phone numbers written without a leading '+'.</summary>
    public string DefaultPhoneRegion { get; set; } = "US";

    /// <summary>
    /// ISO 4217 currency in which the profile totals spending. Purchases in other currencies are kept per
    /// currency. Changing it changes what a projection rebuild produces, as it should.
    /// </summary>
    public string HouseCurrency { get; set; } = "EUR";
}

