using JasperFx.Events;
using Marten.Events.Aggregation;

namespace EventCrm.Sales;

/// <summary>A stretch of time during which an opportunity stood in one stage at one amount.</summary>
public sealed record PipelinePeriod(OpportunityStage Stage, decimal Amount, DateTimeOffset From, DateTimeOffset? To);

/// <summary>
/// One opportunity as the sales reports see it: where it stands, how far it got, and every period of its
/// stage and amount, so that the pipeline can be read as of any past date. Projected asynchronously (by the
/// daemon, off the command path); the reports aggregate across these documents.
/// </summary>
public sealed class SalesPipelineEntry
{
    public Guid Id { get; set; }
    public Guid CustomerId { get; set; }
    public string Owner { get; set; } = "";
    public string Source { get; set; } = "";
    public string Currency { get; set; } = "";
    public decimal Amount { get; set; }
    public OpportunityStage Stage { get; set; }
    public bool IsOpen { get; set; } = true;
    public DateOnly ExpectedCloseDate { get; set; }
    public DateTimeOffset OpenedAt { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }

    /// <summary>Won or Lost once closed; null while open.</summary>
    public OpportunityStage? Outcome { get; set; }

    /// <summary>The furthest open stage the opportunity ever reached.</summary>
    public OpportunityStage FurthestStage { get; set; }

    public List<PipelinePeriod> Periods { get; set; } = [];
}

public partial class SalesPipelineProjection : SingleStreamProjection<SalesPipelineEntry, Guid>
{
    public SalesPipelineEntry Create(IEvent<OpportunityOpened> opened) => new()
    {
        Id = opened.StreamId,
        CustomerId = opened.Data.CustomerId,
        Owner = opened.Data.Owner,
        Source = opened.Data.Source,
        Currency = opened.Data.Currency,
        Amount = opened.Data.Amount,
        Stage = OpportunityStage.Prospecting,
        FurthestStage = OpportunityStage.Prospecting,
        ExpectedCloseDate = opened.Data.ExpectedCloseDate,
        OpenedAt = opened.Data.OpenedAt,
        Periods = [new PipelinePeriod(OpportunityStage.Prospecting, opened.Data.Amount, opened.Data.OpenedAt, null)],
    };

    public void Apply(OpportunityStageChanged changed, SalesPipelineEntry entry)
    {
        Move(entry, changed.To, entry.Amount, changed.At);
        if (changed.To > entry.FurthestStage) entry.FurthestStage = changed.To;
    }

    public void Apply(OpportunityAmountChanged changed, SalesPipelineEntry entry) =>
        Move(entry, entry.Stage, changed.Amount, changed.At);

    public void Apply(OpportunityCloseDateChanged changed, SalesPipelineEntry entry) =>
        entry.ExpectedCloseDate = changed.ExpectedCloseDate;

    public void Apply(OpportunityWon won, SalesPipelineEntry entry) =>
        Close(entry, OpportunityStage.Won, won.Amount, won.At);

    public void Apply(OpportunityLost lost, SalesPipelineEntry entry) =>
        Close(entry, OpportunityStage.Lost, entry.Amount, lost.At);

    public void Apply(OpportunityReopened reopened, SalesPipelineEntry entry)
    {
        entry.IsOpen = true;
        entry.Outcome = null;
        entry.ClosedAt = null;
        Move(entry, reopened.Stage, entry.Amount, reopened.At);
    }

    private static void Close(SalesPipelineEntry entry, OpportunityStage outcome, decimal amount, DateTimeOffset at)
    {
        entry.IsOpen = false;
        entry.Outcome = outcome;
        entry.ClosedAt = at;
        Move(entry, outcome, amount, at);
    }

    private static void Move(SalesPipelineEntry entry, OpportunityStage stage, decimal amount, DateTimeOffset at)
    {
        if (entry.Periods.Count > 0) entry.Periods[^1] = entry.Periods[^1] with { To = at };
        entry.Periods.Add(new PipelinePeriod(stage, amount, at, null));
        entry.Stage = stage;
        entry.Amount = amount;
    }
}
