using EventCrm.Audit;

namespace EventCrm.Sales;

/// <summary>What erasure removes from a lead's events. The source, the form, the times and the links stay.</summary>
public static class LeadErasure
{
    public const string ErasedName = "[erased]";

    public static void Configure(ErasureRules rules) => rules
        .Mask<LeadCaptured>(e => e with
        {
            Name = ErasedName, Email = "", Phone = null, Company = null, UserAgent = null, Message = null,
        })
        .Mask<LeadDisqualified>(e => e with { Reason = ErasedName })
        .Mask<LeadConsentConfirmed>(Masked);

    /// <summary>A confirmation keeps its purpose, wording and time (that consent was given); not who, from where, or how.</summary>
    public static LeadConsentConfirmed Masked(LeadConsentConfirmed confirmed) =>
        confirmed with { Email = "", IpAddress = null, UserAgent = null };
}
