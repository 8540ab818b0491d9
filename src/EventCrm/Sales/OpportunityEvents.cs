namespace EventCrm.Sales;

// Facts about opportunities, deals being worked on. Stored as they are: never rename or reshape one; add a
// new event instead.

public record OpportunityOpened(
    Guid CustomerId,
    string Title,
    decimal Amount,
    string Currency,
    DateOnly ExpectedCloseDate,
    string Owner,
    string Source,
    Guid? SourceLeadId,
    Guid? SourceCampaignId,
    DateTimeOffset OpenedAt,
    Utm? Utm = null);

public record OpportunityStageChanged(OpportunityStage From, OpportunityStage To, DateTimeOffset At);

public record OpportunityAmountChanged(decimal Amount, DateTimeOffset At);

public record OpportunityCloseDateChanged(DateOnly ExpectedCloseDate, DateTimeOffset At);

/// <summary>Won from <c>From</c> at the final amount; the customer's purchase is recorded from it.</summary>
public record OpportunityWon(OpportunityStage From, decimal Amount, string Currency, DateTimeOffset At);

public record OpportunityLost(OpportunityStage From, string Reason, DateTimeOffset At);

/// <summary>A lost opportunity is worked on again, back in the stage it was lost from.</summary>
public record OpportunityReopened(OpportunityStage Stage, DateTimeOffset At);
