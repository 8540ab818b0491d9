namespace EventCrm.Service;

/// <summary>Working hours in a time zone (IANA id); the SLA clock runs only inside them.</summary>
public record BusinessHours(TimeOnly Start, TimeOnly End, IReadOnlyList<DayOfWeek> Days, string TimeZone);
