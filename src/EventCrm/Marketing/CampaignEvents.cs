namespace EventCrm.Marketing;

// Facts about a campaign. Stored as they are: never rename or reshape one; add a new event instead. Who was frozen
// into it is on its recipients stream (CampaignRecipientsEvents.cs); what happened with each customer is on that
// customer's campaign-recipient stream (CampaignRecipientEvents.cs).

public record CampaignPlanned(
    string Name,
    string? Objective,
    CampaignChannel Channel,
    decimal? Budget,
    string Currency,
    DateOnly? PlannedStart,
    DateOnly? PlannedEnd,
    string UtmCampaign,
    string Owner,
    string Purpose,
    DateTimeOffset At);

public record CampaignDetailsChanged(string Name, string? Objective, decimal? Budget, DateOnly? PlannedStart, DateOnly? PlannedEnd,
    DateTimeOffset At);

/// <summary>The audience the campaign goes to, and the share of it to hold back (frozen when it starts).</summary>
public record CampaignAudienceChosen(Guid AudienceId, double HoldoutShare, DateTimeOffset At);

/// <summary>An e-mail variant's content (Liquid templates), new or replacing the variant of that id.</summary>
public record EmailVariantSet(string VariantId, string Subject, string Html, string? Text, DateTimeOffset At);

public record EmailVariantRemoved(string VariantId, DateTimeOffset At);

/// <summary>
/// An A/B test: <c>TestShare</c> of the recipients get the variants in equal parts; after <c>WinnerAfter</c> the
/// variant with the best rate by <c>Metric</c> goes to the rest.
/// </summary>
public record AbTestConfigured(double TestShare, TimeSpan WinnerAfter, WinnerMetric Metric, DateTimeOffset At);

/// <summary>Every variant was sent to <c>To</c> for a look before any real send.</summary>
public record TestEmailSent(string To, IReadOnlyList<string> Variants, DateTimeOffset At);

public record CampaignScheduled(DateTimeOffset StartAt, DateTimeOffset At);

public record CampaignUnscheduled(DateTimeOffset At);

public record CampaignStarted(DateTimeOffset At);

/// <summary>
/// The audience as it stood when the campaign started: <c>Members</c> in it, <c>Holdout</c> of them held back
/// (drawn reproducibly from <c>Seed</c>: the members ordered by a hash of seed and customer id, the first
/// <c>HoldoutShare</c> of them), the rest in <c>Batches</c>, each recorded on <c>RecipientsStream</c>.
/// </summary>
public record AudienceFrozen(
    Guid AudienceId,
    Guid RecipientsStream,
    int Members,
    int Holdout,
    double HoldoutShare,
    int Seed,
    IReadOnlyList<FrozenBatch> Batches,
    DateTimeOffset At);

/// <summary>Every recipient of a batch was sent to or skipped (with a reason on its own stream).</summary>
public record CampaignBatchSent(int Batch, int Sent, int Skipped, DateTimeOffset At);

public record CampaignWinnerChosen(string VariantId, WinnerMetric Metric, IReadOnlyList<VariantResult> Results, DateTimeOffset At);

public record CampaignCostRecorded(Guid CostId, decimal Amount, string Currency, string Description, DateOnly IncurredOn, DateTimeOffset At);

public record CampaignCompleted(DateTimeOffset At);

public record CampaignCancelled(string Reason, DateTimeOffset At);
