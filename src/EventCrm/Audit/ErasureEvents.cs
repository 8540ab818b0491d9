using EventCrm.Infrastructure.Storage;

namespace EventCrm.Audit;

/// <summary>
/// The event types that record an erasure, as stored: every type of the application that carries
/// <see cref="IRecordsErasure"/>, whichever context declares it, so Audit names none of them.
/// </summary>
public sealed class ErasureEvents(StoreNames names)
{
    public static IReadOnlyList<Type> Types { get; } =
        [.. typeof(IRecordsErasure).Assembly.GetTypes()
            .Where(type => type is { IsClass: true, IsAbstract: false } && typeof(IRecordsErasure).IsAssignableFrom(type))
            .OrderBy(type => type.FullName, StringComparer.Ordinal)];

    public IReadOnlyList<string> TypeNames => [.. Types.Select(names.EventType)];

    /// <summary>The stored type of the record a masking leaves (<see cref="EventsMasked"/>).</summary>
    public string MaskingType => names.EventType<EventsMasked>();
}
