namespace EventCrm.Service;

/// <summary>
/// The service promised when a ticket opened (or its priority changed): respond and resolve within these
/// times of SLA clock, which stops while waiting on the customer and, with business hours, outside them.
/// </summary>
public record SlaPolicy(TimeSpan FirstResponseWithin, TimeSpan ResolutionWithin, BusinessHours? BusinessHours);
