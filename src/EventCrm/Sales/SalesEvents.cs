namespace EventCrm.Sales;

// Facts of the sales context. Stored as they are: never rename or reshape one; add a new event instead.

// --- Leads: prospects before they are customers ---

public record LeadCaptured(
    string Name,
    string Email,
    string? Phone,
    string? Company,
    string Source,
    string? FormKey,
    string? UserAgent,
    string? Message,
    DateTimeOffset CapturedAt);

public record LeadQualified(DateTimeOffset At);

public record LeadDisqualified(string Reason, DateTimeOffset At);

/// <summary>The lead became (or was found to be) a customer, and an opportunity was opened for it.</summary>
public record LeadConverted(Guid CustomerId, bool NewCustomer, Guid OpportunityId, DateTimeOffset At);

// --- Opportunities: deals being worked on ---

public enum OpportunityStage { Prospecting, Qualification, Proposal, Negotiation, Won, Lost }

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
    DateTimeOffset OpenedAt);

public record OpportunityStageChanged(OpportunityStage From, OpportunityStage To, DateTimeOffset At);

public record OpportunityAmountChanged(decimal Amount, DateTimeOffset At);

public record OpportunityCloseDateChanged(DateOnly ExpectedCloseDate, DateTimeOffset At);

/// <summary>Won from <c>From</c> at the final amount; the customer's purchase is recorded from it.</summary>
public record OpportunityWon(OpportunityStage From, decimal Amount, string Currency, DateTimeOffset At);

public record OpportunityLost(OpportunityStage From, string Reason, DateTimeOffset At);

/// <summary>A lost opportunity is worked on again, back in the stage it was lost from.</summary>
public record OpportunityReopened(OpportunityStage Stage, DateTimeOffset At);

// --- Activities: calls, meetings, e-mails, notes and tasks, about a customer, lead or opportunity ---

public enum ActivityKind { Call, Meeting, Email, Note, Task }

public enum RegardingType { Customer, Lead, Opportunity }

/// <summary>What an activity is about; <c>CustomerId</c> when the subject belongs to a customer.</summary>
public record Regarding(RegardingType Type, Guid Id, Guid? CustomerId);

public record ActivityLogged(
    ActivityKind Kind,
    string Subject,
    string? Notes,
    Regarding Regarding,
    string Owner,
    DateTimeOffset OccurredAt,
    DateTimeOffset? DueAt);

public record TaskCompleted(DateTimeOffset At);
