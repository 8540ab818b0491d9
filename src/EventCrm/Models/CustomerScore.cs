namespace EventCrm.Models;

/// <summary>
/// Every active customer's latest scores, each with the version of the model that produced it. A computed
/// table rather than a projection: it is rewritten by the scoring job from the events and the active models.
/// </summary>
public sealed class CustomerScore
{
    public Guid Id { get; set; }
    public double? ChurnRisk { get; set; }
    public int? ChurnVersion { get; set; }
    public double? HighValueProbability { get; set; }
    public int? HighValueVersion { get; set; }
    public double? ExpectedSpend90 { get; set; }
    public int? PurchaseAmountVersion { get; set; }
    public int? Segment { get; set; }
    public string? SegmentName { get; set; }
    public int? SegmentsVersion { get; set; }
    public DateTimeOffset ScoredAt { get; set; }
}
