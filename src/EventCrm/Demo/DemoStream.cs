namespace EventCrm.Demo;

/// <summary>One generated stream: its id, its aggregate type, and its events, each with the business time it happened.</summary>
public sealed record DemoStream(Guid Id, Type AggregateType, IReadOnlyList<(object Event, DateTimeOffset At)> Events);
