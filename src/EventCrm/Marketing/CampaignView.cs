using JasperFx;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace EventCrm.Marketing;

public sealed record CampaignCost(Guid Id, decimal Amount, string Currency, string Description, DateOnly IncurredOn);

public sealed record VariantSummary(string Id, string Subject);

/// <summary>A campaign as clients read it (inline: current right after a command).</summary>
public sealed class CampaignView : IRevisioned
{
    public Guid Id { get; set; }
    public int Version { get; set; }
    public string Name { get; set; } = "";
    public string? Objective { get; set; }
    public CampaignChannel Channel { get; set; }
    public CampaignStatus Status { get; set; }
    public decimal? Budget { get; set; }
    public string Currency { get; set; } = "";
    public DateOnly? PlannedStart { get; set; }
    public DateOnly? PlannedEnd { get; set; }
    public string UtmCampaign { get; set; } = "";
    public string Owner { get; set; } = "";
    public string Purpose { get; set; } = "";
    public Guid? AudienceId { get; set; }
    public double HoldoutShare { get; set; }
    public List<VariantSummary> Variants { get; set; } = [];
    public AbTest? AbTest { get; set; }
    public bool Tested { get; set; }
    public DateTimeOffset? StartAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public DateTimeOffset? CancelledAt { get; set; }
    public string? CancellationReason { get; set; }
    public int? FrozenMembers { get; set; }
    public int? Holdout { get; set; }
    public Guid? RecipientsStream { get; set; }
    public int BatchesToSend { get; set; }
    public int BatchesSent { get; set; }
    public string? Winner { get; set; }
    public List<VariantResult> VariantResults { get; set; } = [];
    public List<CampaignCost> Costs { get; set; } = [];
    public decimal CostTotal { get; set; }
    public DateTimeOffset PlannedAt { get; set; }
    public DateTimeOffset LastChangedAt { get; set; }
}

public partial class CampaignViewProjection : SingleStreamProjection<CampaignView, Guid>
{
    public CampaignView Create(IEvent<CampaignPlanned> planned) => new()
    {
        Id = planned.StreamId,
        Name = planned.Data.Name,
        Objective = planned.Data.Objective,
        Channel = planned.Data.Channel,
        Budget = planned.Data.Budget,
        Currency = planned.Data.Currency,
        PlannedStart = planned.Data.PlannedStart,
        PlannedEnd = planned.Data.PlannedEnd,
        UtmCampaign = planned.Data.UtmCampaign,
        Owner = planned.Data.Owner,
        Purpose = planned.Data.Purpose,
        PlannedAt = planned.Data.At,
        LastChangedAt = planned.Data.At,
    };

    public void Apply(CampaignDetailsChanged changed, CampaignView view)
    {
        (view.Name, view.Objective, view.Budget, view.PlannedStart, view.PlannedEnd) =
            (changed.Name, changed.Objective, changed.Budget, changed.PlannedStart, changed.PlannedEnd);
        view.LastChangedAt = changed.At;
    }

    public void Apply(CampaignAudienceChosen chosen, CampaignView view)
    {
        (view.AudienceId, view.HoldoutShare) = (chosen.AudienceId, chosen.HoldoutShare);
        view.LastChangedAt = chosen.At;
    }

    public void Apply(EmailVariantSet set, CampaignView view)
    {
        view.Variants = [.. view.Variants.Where(v => v.Id != set.VariantId), new VariantSummary(set.VariantId, set.Subject)];
        view.Tested = false;
        view.LastChangedAt = set.At;
    }

    public void Apply(EmailVariantRemoved removed, CampaignView view)
    {
        view.Variants.RemoveAll(v => v.Id == removed.VariantId);
        view.Tested = false;
        view.LastChangedAt = removed.At;
    }

    public void Apply(AbTestConfigured configured, CampaignView view)
    {
        view.AbTest = new AbTest(configured.TestShare, configured.WinnerAfter, configured.Metric);
        view.LastChangedAt = configured.At;
    }

    public void Apply(TestEmailSent sent, CampaignView view)
    {
        view.Tested = true;
        view.LastChangedAt = sent.At;
    }

    public void Apply(CampaignScheduled scheduled, CampaignView view)
    {
        (view.Status, view.StartAt) = (CampaignStatus.Scheduled, scheduled.StartAt);
        view.LastChangedAt = scheduled.At;
    }

    public void Apply(CampaignUnscheduled unscheduled, CampaignView view)
    {
        (view.Status, view.StartAt) = (CampaignStatus.Draft, null);
        view.LastChangedAt = unscheduled.At;
    }

    public void Apply(CampaignStarted started, CampaignView view)
    {
        (view.Status, view.StartedAt) = (CampaignStatus.Running, started.At);
        view.LastChangedAt = started.At;
    }

    public void Apply(AudienceFrozen frozen, CampaignView view)
    {
        view.FrozenMembers = frozen.Members;
        view.Holdout = frozen.Holdout;
        view.RecipientsStream = frozen.RecipientsStream;
        view.BatchesToSend = frozen.Batches.Count(b => b.Group != RecipientGroup.Holdout);
        view.LastChangedAt = frozen.At;
    }

    public void Apply(CampaignBatchSent sent, CampaignView view)
    {
        view.BatchesSent++;
        view.LastChangedAt = sent.At;
    }

    public void Apply(CampaignWinnerChosen chosen, CampaignView view)
    {
        view.Winner = chosen.VariantId;
        view.VariantResults = [.. chosen.Results];
        view.LastChangedAt = chosen.At;
    }

    public void Apply(CampaignCostRecorded cost, CampaignView view)
    {
        view.Costs.Add(new CampaignCost(cost.CostId, cost.Amount, cost.Currency, cost.Description, cost.IncurredOn));
        view.CostTotal += cost.Amount;
        view.LastChangedAt = cost.At;
    }

    public void Apply(CampaignCompleted completed, CampaignView view)
    {
        (view.Status, view.CompletedAt) = (CampaignStatus.Completed, completed.At);
        view.LastChangedAt = completed.At;
    }

    public void Apply(CampaignCancelled cancelled, CampaignView view)
    {
        (view.Status, view.CancelledAt, view.CancellationReason) = (CampaignStatus.Cancelled, cancelled.At, cancelled.Reason);
        view.LastChangedAt = cancelled.At;
    }
}
