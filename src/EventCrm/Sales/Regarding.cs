namespace EventCrm.Sales;

/// <summary>What an activity is about; <c>CustomerId</c> when the subject belongs to a customer.</summary>
public record Regarding(RegardingType Type, Guid Id, Guid? CustomerId);
