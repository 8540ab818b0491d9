using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using EventCrm.Audit;
using EventCrm.Infrastructure.Security;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace EventCrm.Integrations;

/// <summary>
/// A public event type: the name it is stored and delivered under (never a .NET class name), the contract's
/// version, whether it records an erasure, and the JSON Schema of its <c>data</c>.
/// </summary>
public record PublicEventType(string Type, int Version, bool RecordsErasure, JsonNode Schema);

/// <summary>
/// The event contract clients build on. Stored events are never renamed or reshaped (a change is a new type or an
/// upcast), so version 1 is every type's contract until one of them is upcast.
/// </summary>
public sealed class EventCatalog
{
    public const int ContractVersion = 1;

    public EventCatalog(IDocumentStore store)
    {
        // The store's own serializer settings: the schema describes the JSON exactly as it is stored and delivered.
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver() };
        json.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        var exporter = new JsonSchemaExporterOptions { TreatNullObliviousAsNonNullable = true };
        var events = ((DocumentStore)store).Events;
        Types = FoldedEventTypes()
            .Concat(store.Options.Events.AllKnownEventTypes().Select(type => type.EventType))
            .Distinct()
            .Select(type => new PublicEventType(
                events.EventMappingFor(type).EventTypeName,
                ContractVersion,
                typeof(IRecordsErasure).IsAssignableFrom(type),
                json.GetJsonSchemaAsNode(type, exporter)))
            .DistinctBy(type => type.Type)
            .OrderBy(type => type.Type, StringComparer.Ordinal)
            .ToList();
        Names = Types.Select(type => type.Type).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// The events the application folds: the event parameter of every public Create, Apply and ShouldDelete method
    /// (aggregates and projections, the methods Marten folds with), so that a type is listed before it was first
    /// appended.
    /// </summary>
    private static IEnumerable<Type> FoldedEventTypes() =>
        typeof(EventCatalog).Assembly.GetTypes()
            .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(method => method.Name is "Create" or "Apply" or "ShouldDelete" && method.GetParameters().Length >= 1)
            .Select(method => method.GetParameters()[0].ParameterType)
            .Select(type => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEvent<>) ? type.GetGenericArguments()[0] : type)
            .Where(type => type.Assembly == typeof(EventCatalog).Assembly && type is { IsClass: true, IsAbstract: false, IsGenericType: false }
                           && type.GetMethod("<Clone>$") is not null);

    public IReadOnlyList<PublicEventType> Types { get; }

    public IReadOnlySet<string> Names { get; }
}

public static class EventTypesEndpoint
{
    [WolverineGet("/api/events/types", OperationId = "ListEventTypes", Summary = "The public event types and their schemas",
        Description = "Every event type the feed and webhooks carry, by the name they carry it under, with the JSON Schema of its data and the contract's version. Types that record an erasure are marked: receivers must erase what they hold about that stream.")]
    [Authorize(Policy = Policies.Integrations)]
    [Tags("Integrations")]
    public static IReadOnlyList<PublicEventType> Get(EventCatalog catalog) => catalog.Types;
}
