namespace EventCrm.Sales;

/// <summary>An opportunity as its commands need it.</summary>
public sealed class Opportunity
{
    public Guid Id { get; set; }
    public int Version { get; set; }
    public Guid CustomerId { get; set; }
    public string Title { get; set; } = "";
    public decimal Amount { get; set; }
    public string Currency { get; set; } = "";
    public DateOnly ExpectedCloseDate { get; set; }
    public string Owner { get; set; } = "";
    public OpportunityStage Stage { get; set; }

    public bool IsOpen => Stage is not (OpportunityStage.Won or OpportunityStage.Lost);

    /// <summary>The open stage it was closed from, to go back to when reopened.</summary>
    public OpportunityStage? ClosedFrom { get; set; }

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

    public void Apply(OpportunityStageChanged changed) => Stage = changed.To;

    public void Apply(OpportunityAmountChanged changed) => Amount = changed.Amount;

    public void Apply(OpportunityCloseDateChanged changed) => ExpectedCloseDate = changed.ExpectedCloseDate;

    public void Apply(OpportunityWon won)
    {
        ClosedFrom = won.From;
        Amount = won.Amount;
        Stage = OpportunityStage.Won;
    }

    public void Apply(OpportunityLost lost)
    {
        ClosedFrom = lost.From;
        Stage = OpportunityStage.Lost;
    }

    public void Apply(OpportunityReopened reopened)
    {
        ClosedFrom = null;
        Stage = reopened.Stage;
    }
}
