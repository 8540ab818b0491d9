namespace EventCrm.Customers;

/// <summary>
/// What is known about who the customer is. Age is stated at the event's time when no birth date is known. The time
/// zone (IANA, e.g. "Europe/Berlin") came later: events recorded before it read as unknown.
/// </summary>
public record Demographics(
    DateOnly? BirthDate,
    int? Age,
    decimal? AnnualIncome,
    string? Country,
    string? Region,
    string? Industry,
    string? TimeZone = null);
