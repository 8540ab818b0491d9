namespace EventCrm.Customers;

/// <summary>A consent decision as it stands: the latest grant or withdrawal for a channel and purpose.</summary>
public record ConsentDecision(ConsentChannel Channel, string Purpose, bool Granted, string Source, DateTimeOffset At);
