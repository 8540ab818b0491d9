namespace EventCrm.Models;

/// <summary>The customer features as ML.NET columns.</summary>
public class CustomerColumns
{
    public float Age { get; set; }
    public float Income { get; set; }
    public float TenureDays { get; set; }
    public float RecencyDays { get; set; }
    public float Frequency { get; set; }
    public float Monetary { get; set; }
    public float AveragePurchase { get; set; }
    public float Purchases90 { get; set; }
    public float Spend90 { get; set; }
    public float Tickets { get; set; }
    public float Complaints { get; set; }
    public string Country { get; set; } = "";
    public string Source { get; set; } = "";
}
