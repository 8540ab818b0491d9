namespace EventCrm.Customers;

// Facts about a customer, in the order they can happen. Stored as they are: never rename or reshape one;
// add a new event (or an upcaster) instead.

public record CustomerRegistered(string Name, string Email, string? Phone, DateTimeOffset RegisteredAt);

public record ContactDetailsChanged(string Email, string? Phone, DateTimeOffset ChangedAt);
