namespace EventCrm.Sales;

public enum LeadStatus { New, Qualified, Disqualified, Converted, Erased }

/// <summary>A lead as its commands need it, folded from its stream; every Apply returns the next state.</summary>
public sealed record Lead
{
    public Guid Id { get; init; }
    public int Version { get; init; }
    public LeadStatus Status { get; init; }
    public string Name { get; init; } = "";
    public string Email { get; init; } = "";
    public string? Phone { get; init; }
    public string? Company { get; init; }
    public string Source { get; init; } = "";
    public Utm? Utm { get; init; }
    public string? SubscribeTo { get; init; }

    /// <summary>Consents the lead confirmed by double opt-in; they go to its customer on conversion.</summary>
    public IReadOnlyList<LeadConsentConfirmed> ConfirmedConsents { get; init; } = [];

    public static Lead Create(LeadCaptured captured) => new()
    {
        Name = captured.Name,
        Email = captured.Email,
        Phone = captured.Phone,
        Company = captured.Company,
        Source = captured.Source,
        Utm = captured.Utm,
        SubscribeTo = captured.SubscribeTo,
    };

    public Lead Apply(LeadConsentConfirmationSent _) => this;

    public Lead Apply(LeadConsentConfirmed confirmed) => this with
    {
        ConfirmedConsents = [.. ConfirmedConsents.Where(c => c.Purpose != confirmed.Purpose), confirmed],
    };

    public Lead Apply(LeadQualified _) => this with { Status = LeadStatus.Qualified };

    public Lead Apply(LeadDisqualified _) => this with { Status = LeadStatus.Disqualified };

    public Lead Apply(LeadConverted _) => this with { Status = LeadStatus.Converted };

    public Lead Apply(LeadErased _) => this with
    {
        Status = LeadStatus.Erased, Name = LeadErasure.ErasedName, Email = "", Phone = null, Company = null,
        ConfirmedConsents = [.. ConfirmedConsents.Select(LeadErasure.Masked)],
    };
}
