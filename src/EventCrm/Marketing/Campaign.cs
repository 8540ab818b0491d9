namespace EventCrm.Marketing;

public enum CampaignStatus { Draft, Scheduled, Running, Completed, Cancelled }

public sealed record EmailVariant(string Id, string Subject, string Html, string? Text);

public sealed record AbTest(double TestShare, TimeSpan WinnerAfter, WinnerMetric Metric);

/// <summary>
/// A campaign as its commands and its sender need it, folded from its stream by <see cref="Create"/> and the
/// <c>Apply</c> methods, each returning the next state.
/// </summary>
public sealed record Campaign
{
    public Guid Id { get; init; }
    public int Version { get; init; }
    public string Name { get; init; } = "";
    public CampaignChannel Channel { get; init; }
    public CampaignStatus Status { get; init; }
    public string Currency { get; init; } = "";
    public decimal? Budget { get; init; }
    public string UtmCampaign { get; init; } = "";
    public string Purpose { get; init; } = "";
    public Guid? AudienceId { get; init; }
    public double HoldoutShare { get; init; }
    public IReadOnlyList<EmailVariant> Variants { get; init; } = [];
    public AbTest? AbTest { get; init; }

    /// <summary>A test was sent since the content last changed: the step before any real send.</summary>
    public bool Tested { get; init; }

    public DateTimeOffset? StartAt { get; init; }
    public AudienceFrozen? Frozen { get; init; }
    public IReadOnlySet<int> BatchesSent { get; init; } = new HashSet<int>();
    public string? Winner { get; init; }

    public bool IsAbTest => AbTest is not null && Variants.Count > 1;

    /// <summary>The batches that are sent (not the holdout's), and whether each may go yet (the rest waits for a winner).</summary>
    public IEnumerable<FrozenBatch> SendableBatches =>
        Frozen?.Batches.Where(b => b.Group != RecipientGroup.Holdout) ?? [];

    public bool SendingFinished => Frozen is not null && SendableBatches.All(b => BatchesSent.Contains(b.Number));

    /// <summary>The variant a recipient of <paramref name="batch"/> gets: its own in the test, else the winner or the only one.</summary>
    public EmailVariant? VariantFor(FrozenBatch batch) =>
        Variants.FirstOrDefault(v => v.Id == (batch.VariantId ?? Winner ?? (IsAbTest ? null : Variants.FirstOrDefault()?.Id)));

    public static Campaign Create(CampaignPlanned planned) => new()
    {
        Name = planned.Name,
        Channel = planned.Channel,
        Currency = planned.Currency,
        Budget = planned.Budget,
        UtmCampaign = planned.UtmCampaign,
        Purpose = planned.Purpose,
    };

    public Campaign Apply(CampaignDetailsChanged changed) => this with { Name = changed.Name, Budget = changed.Budget };

    public Campaign Apply(CampaignAudienceChosen chosen) => this with { AudienceId = chosen.AudienceId, HoldoutShare = chosen.HoldoutShare };

    public Campaign Apply(EmailVariantSet set) => this with
    {
        Variants = [.. Variants.Where(v => v.Id != set.VariantId), new EmailVariant(set.VariantId, set.Subject, set.Html, set.Text)],
        Tested = false,
    };

    public Campaign Apply(EmailVariantRemoved removed) => this with
    {
        Variants = [.. Variants.Where(v => v.Id != removed.VariantId)],
        Tested = false,
    };

    public Campaign Apply(AbTestConfigured configured) =>
        this with { AbTest = new AbTest(configured.TestShare, configured.WinnerAfter, configured.Metric) };

    public Campaign Apply(TestEmailSent _) => this with { Tested = true };

    public Campaign Apply(CampaignScheduled scheduled) => this with { Status = CampaignStatus.Scheduled, StartAt = scheduled.StartAt };

    public Campaign Apply(CampaignUnscheduled _) => this with { Status = CampaignStatus.Draft, StartAt = null };

    public Campaign Apply(CampaignStarted _) => this with { Status = CampaignStatus.Running };

    public Campaign Apply(AudienceFrozen frozen) => this with { Frozen = frozen };

    public Campaign Apply(CampaignBatchSent sent) => this with { BatchesSent = new HashSet<int>(BatchesSent) { sent.Batch } };

    public Campaign Apply(CampaignWinnerChosen chosen) => this with { Winner = chosen.VariantId };

    public Campaign Apply(CampaignCostRecorded _) => this;

    public Campaign Apply(CampaignCompleted _) => this with { Status = CampaignStatus.Completed };

    public Campaign Apply(CampaignCancelled _) => this with { Status = CampaignStatus.Cancelled };
}
