using EventCrm.Customers;

namespace EventCrm.Demo;

/// <summary>What the sales part of the demo needs to know about a generated customer.</summary>
public sealed record DemoCustomerFacts(
    Guid Id,
    string Name,
    string Email,
    string? Phone,
    string? Owner,
    string Source,
    decimal? Income,
    DateTimeOffset RegisteredAt,
    DateTimeOffset ActiveUntil,
    Customer Customer);
