namespace EventCrm.Marketing;

/// <summary>A batch of frozen recipients: the holdout, the A/B test (with its variant), or the rest.</summary>
public record FrozenBatch(int Number, RecipientGroup Group, string? VariantId, int Size);
