namespace EventCrm.Marketing;

// The recipients stream of a campaign: the audience as frozen when the campaign started, a batch an event, in the
// order they are sent. Appended once, when the campaign starts; read by the sender (a batch at a time) and by
// whoever measures the campaign later (the holdout batches are its control group). No aggregate folds it.

/// <summary>One batch of the frozen audience: its group, its variant (in an A/B test), and its customers.</summary>
public record RecipientsFrozen(Guid CampaignId, int Batch, RecipientGroup Group, string? VariantId, IReadOnlyList<Guid> Customers,
    DateTimeOffset At);
