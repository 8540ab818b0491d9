namespace EventCrm.Marketing;

/// <summary>An A/B variant's figures when the winner was chosen: sent, opened, clicked, and its rate by the test's metric.</summary>
public record VariantResult(string VariantId, int Sent, int Opened, int Clicked, double Rate);
