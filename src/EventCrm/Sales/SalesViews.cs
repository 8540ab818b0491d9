using JasperFx;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace EventCrm.Sales;

/// <summary>A lead as clients read it (inline: current right after a command).</summary>
public sealed class LeadView : IRevisioned
{
    public Guid Id { get; set; }
    public int Version { get; set; }
    public LeadStatus Status { get; set; }
    public string Name { get; set; } = "";
    public string Email { get; set; } = "";
    public string? Phone { get; set; }
    public string? Company { get; set; }
    public string Source { get; set; } = "";
    public string? FormKey { get; set; }
    public string? UserAgent { get; set; }
    public string? Message { get; set; }
    public DateTimeOffset CapturedAt { get; set; }
    public DateTimeOffset? QualifiedAt { get; set; }
    public string? DisqualificationReason { get; set; }
    public Guid? CustomerId { get; set; }
    public Guid? OpportunityId { get; set; }
    public DateTimeOffset? ConvertedAt { get; set; }
    public Utm? Utm { get; set; }

    /// <summary>The e-mail purpose the lead asked for on the web form, and how far its double opt-in got.</summary>
    public string? SubscribeTo { get; set; }
    public DateTimeOffset? ConfirmationSentAt { get; set; }
    public DateTimeOffset? ConsentConfirmedAt { get; set; }
}

public partial class LeadViewProjection : SingleStreamProjection<LeadView, Guid>
{
    public LeadView Create(IEvent<LeadCaptured> captured) => new()
    {
        Id = captured.StreamId,
        Name = captured.Data.Name,
        Email = captured.Data.Email,
        Phone = captured.Data.Phone,
        Company = captured.Data.Company,
        Source = captured.Data.Source,
        FormKey = captured.Data.FormKey,
        UserAgent = captured.Data.UserAgent,
        Message = captured.Data.Message,
        CapturedAt = captured.Data.CapturedAt,
        Utm = captured.Data.Utm,
        SubscribeTo = captured.Data.SubscribeTo,
    };

    public void Apply(LeadConsentConfirmationSent sent, LeadView lead) => lead.ConfirmationSentAt = sent.SentAt;

    public void Apply(LeadConsentConfirmed confirmed, LeadView lead) => lead.ConsentConfirmedAt = confirmed.ConfirmedAt;

    public void Apply(LeadQualified qualified, LeadView lead)
    {
        lead.Status = LeadStatus.Qualified;
        lead.QualifiedAt = qualified.At;
    }

    public void Apply(LeadDisqualified disqualified, LeadView lead)
    {
        lead.Status = LeadStatus.Disqualified;
        lead.DisqualificationReason = disqualified.Reason;
    }

    public void Apply(LeadConverted converted, LeadView lead)
    {
        lead.Status = LeadStatus.Converted;
        lead.CustomerId = converted.CustomerId;
        lead.OpportunityId = converted.OpportunityId;
        lead.ConvertedAt = converted.At;
    }

    /// <summary>The same fields erasure masks in the events, so a rebuild from the masked events gives this view.</summary>
    public void Apply(LeadErased erased, LeadView lead)
    {
        lead.Status = LeadStatus.Erased;
        lead.Name = LeadErasure.ErasedName;
        lead.Email = "";
        lead.Phone = null;
        lead.Company = null;
        lead.UserAgent = null;
        lead.Message = null;
        lead.DisqualificationReason = lead.DisqualificationReason is null ? null : LeadErasure.ErasedName;
    }
}

/// <summary>A stage an opportunity was in, from when to when (null: still there).</summary>
public sealed record StageVisit(OpportunityStage Stage, DateTimeOffset From, DateTimeOffset? To);

/// <summary>An opportunity as clients read it (inline), with its stage history.</summary>
public sealed class OpportunityView : IRevisioned
{
    public Guid Id { get; set; }
    public int Version { get; set; }
    public Guid CustomerId { get; set; }
    public string Title { get; set; } = "";
    public decimal Amount { get; set; }
    public string Currency { get; set; } = "";
    public DateOnly ExpectedCloseDate { get; set; }
    public string Owner { get; set; } = "";
    public string Source { get; set; } = "";
    public Guid? SourceLeadId { get; set; }
    public Guid? SourceCampaignId { get; set; }
    public Utm? Utm { get; set; }
    public OpportunityStage Stage { get; set; }
    public bool IsOpen { get; set; } = true;
    public DateTimeOffset OpenedAt { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }
    public string? LossReason { get; set; }
    public List<StageVisit> Stages { get; set; } = [];
}

public partial class OpportunityViewProjection : SingleStreamProjection<OpportunityView, Guid>
{
    public OpportunityView Create(IEvent<OpportunityOpened> opened) => new()
    {
        Id = opened.StreamId,
        CustomerId = opened.Data.CustomerId,
        Title = opened.Data.Title,
        Amount = opened.Data.Amount,
        Currency = opened.Data.Currency,
        ExpectedCloseDate = opened.Data.ExpectedCloseDate,
        Owner = opened.Data.Owner,
        Source = opened.Data.Source,
        SourceLeadId = opened.Data.SourceLeadId,
        SourceCampaignId = opened.Data.SourceCampaignId,
        Utm = opened.Data.Utm,
        Stage = OpportunityStage.Prospecting,
        OpenedAt = opened.Data.OpenedAt,
        Stages = [new StageVisit(OpportunityStage.Prospecting, opened.Data.OpenedAt, null)],
    };

    public void Apply(OpportunityStageChanged changed, OpportunityView view) => Enter(view, changed.To, changed.At);

    public void Apply(OpportunityAmountChanged changed, OpportunityView view) => view.Amount = changed.Amount;

    public void Apply(OpportunityCloseDateChanged changed, OpportunityView view) => view.ExpectedCloseDate = changed.ExpectedCloseDate;

    public void Apply(OpportunityWon won, OpportunityView view)
    {
        view.Amount = won.Amount;
        view.IsOpen = false;
        view.ClosedAt = won.At;
        Enter(view, OpportunityStage.Won, won.At);
    }

    public void Apply(OpportunityLost lost, OpportunityView view)
    {
        view.IsOpen = false;
        view.ClosedAt = lost.At;
        view.LossReason = lost.Reason;
        Enter(view, OpportunityStage.Lost, lost.At);
    }

    public void Apply(OpportunityReopened reopened, OpportunityView view)
    {
        view.IsOpen = true;
        view.ClosedAt = null;
        view.LossReason = null;
        Enter(view, reopened.Stage, reopened.At);
    }

    private static void Enter(OpportunityView view, OpportunityStage stage, DateTimeOffset at)
    {
        if (view.Stages.Count > 0) view.Stages[^1] = view.Stages[^1] with { To = at };
        view.Stages.Add(new StageVisit(stage, at, null));
        view.Stage = stage;
    }
}

/// <summary>An activity or task as clients read it (inline).</summary>
public sealed class ActivityView : IRevisioned
{
    public Guid Id { get; set; }
    public int Version { get; set; }
    public ActivityKind Kind { get; set; }
    public string Subject { get; set; } = "";
    public string? Notes { get; set; }
    public RegardingType RegardingType { get; set; }
    public Guid RegardingId { get; set; }
    public Guid? CustomerId { get; set; }
    public string Owner { get; set; } = "";
    public DateTimeOffset OccurredAt { get; set; }
    public DateTimeOffset? DueAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>An open task's due time; null once done or for other activities (indexed for the overdue list).</summary>
    public DateTimeOffset? OpenDueAt { get; set; }
}

public partial class ActivityViewProjection : SingleStreamProjection<ActivityView, Guid>
{
    public ActivityView Create(IEvent<ActivityLogged> logged) => new()
    {
        Id = logged.StreamId,
        Kind = logged.Data.Kind,
        Subject = logged.Data.Subject,
        Notes = logged.Data.Notes,
        RegardingType = logged.Data.Regarding.Type,
        RegardingId = logged.Data.Regarding.Id,
        CustomerId = logged.Data.Regarding.CustomerId,
        Owner = logged.Data.Owner,
        OccurredAt = logged.Data.OccurredAt,
        DueAt = logged.Data.DueAt,
        OpenDueAt = logged.Data.Kind == ActivityKind.Task ? logged.Data.DueAt : null,
    };

    public void Apply(TaskCompleted completed, ActivityView view)
    {
        view.CompletedAt = completed.At;
        view.OpenDueAt = null;
    }
}
