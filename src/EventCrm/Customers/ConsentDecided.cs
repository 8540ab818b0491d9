namespace EventCrm.Customers;

/// <summary>Consent the customer decided outside the API: an unsubscribe link, a preference page, a confirmed opt-in.</summary>
public static class ConsentDecided
{
    /// <summary>
    /// A decision the customer made elsewhere (an unsubscribe link, a preference page, a confirmed opt-in), as the
    /// customer's own event; nothing when the latest decision already says the same.
    /// </summary>
    public static IReadOnlyList<object> By(Customer customer, ConsentChannel channel, string purpose, bool granted,
        string source, DateTimeOffset at)
    {
        purpose = Consent.NormalisePurpose(purpose);
        if (customer.Status is CustomerStatus.Merged or CustomerStatus.Erased) return [];
        var current = customer.Consents.FirstOrDefault(d => d.Channel == channel && d.Purpose == purpose);
        if (current is not null && current.Granted == granted) return [];
        return [granted
            ? new ConsentGranted(channel, purpose, source, at)
            : new ConsentWithdrawn(channel, purpose, source, at)];
    }
}
