namespace EventCrm.Sales;

public enum LeadStatus { New, Qualified, Disqualified, Converted }

/// <summary>A lead as its commands need it.</summary>
public sealed class Lead
{
    public Guid Id { get; set; }
    public int Version { get; set; }
    public LeadStatus Status { get; set; }
    public string Name { get; set; } = "";
    public string Email { get; set; } = "";
    public string? Phone { get; set; }
    public string? Company { get; set; }
    public string Source { get; set; } = "";

    public static Lead Create(LeadCaptured captured) => new()
    {
        Name = captured.Name,
        Email = captured.Email,
        Phone = captured.Phone,
        Company = captured.Company,
        Source = captured.Source,
    };

    public void Apply(LeadQualified _) => Status = LeadStatus.Qualified;

    public void Apply(LeadDisqualified _) => Status = LeadStatus.Disqualified;

    public void Apply(LeadConverted _) => Status = LeadStatus.Converted;
}
