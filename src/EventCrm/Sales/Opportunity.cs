namespace EventCrm.Sales;

/// <summary>An opportunity as its commands need it, folded from its stream; every Apply returns the next state.</summary>
public sealed record Opportunity
{
    public Guid Id { get; init; }
    public int Version { get; init; }
    public Guid CustomerId { get; init; }
    public string Title { get; init; } = "";
    public decimal Amount { get; init; }
    public string Currency { get; init; } = "";
    public DateOnly ExpectedCloseDate { get; init; }
    public string Owner { get; init; } = "";
    public OpportunityStage Stage { get; init; }

    public bool IsOpen => Stage is not (OpportunityStage.Won or OpportunityStage.Lost);

    /// <summary>The open stage it was closed from, to go back to when reopened.</summary>
    public OpportunityStage? ClosedFrom { get; init; }

    public static Opportunity Create(OpportunityOpened opened) => new()
    {
        CustomerId = opened.CustomerId,
        Title = opened.Title,
        Amount = opened.Amount,
        Currency = opened.Currency,
        ExpectedCloseDate = opened.ExpectedCloseDate,
        Owner = opened.Owner,
        Stage = OpportunityStage.Prospecting,
    };

    public Opportunity Apply(OpportunityStageChanged changed) => this with { Stage = changed.To };

    public Opportunity Apply(OpportunityAmountChanged changed) => this with { Amount = changed.Amount };

    public Opportunity Apply(OpportunityCloseDateChanged changed) => this with { ExpectedCloseDate = changed.ExpectedCloseDate };

    public Opportunity Apply(OpportunityWon won) =>
        this with { ClosedFrom = won.From, Amount = won.Amount, Stage = OpportunityStage.Won };

    public Opportunity Apply(OpportunityLost lost) => this with { ClosedFrom = lost.From, Stage = OpportunityStage.Lost };

    public Opportunity Apply(OpportunityReopened reopened) => this with { ClosedFrom = null, Stage = reopened.Stage };
}
