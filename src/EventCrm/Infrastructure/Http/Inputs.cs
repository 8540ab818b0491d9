using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace EventCrm.Infrastructure.Http;

/// <summary>
/// What an endpoint takes from the request, found once when the routes are built: the route values and query
/// parameters its methods bind, each with its type, and the JSON body type if it has one. <see cref="InputGuard"/>
/// checks every request against it before any endpoint code runs, so one set of rules (and one set of messages
/// written for people) covers every route, including the ones added tomorrow.
/// </summary>
public sealed record EndpointInputs(
    IReadOnlyDictionary<string, Type> Route,
    IReadOnlyDictionary<string, Type> Query)
{
    /// <summary>The query parameters that are instants, given to the endpoint in UTC (<see cref="UtcInstants"/>).</summary>
    public IReadOnlySet<string> Instants { get; } = Query
        .Where(q => (Nullable.GetUnderlyingType(q.Value) ?? q.Value) == typeof(DateTimeOffset))
        .Select(q => q.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);

    private static readonly string[] BoundMethods = ["Load", "LoadAsync", "Before", "BeforeAsync", "Validate", "ValidateAsync"];

    public static EndpointInputs Of(HttpChain chain)
    {
        var routeNames = chain.RoutePattern?.Parameters.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase) ?? [];
        var route = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase);
        var query = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase);

        var endpoint = chain.Method.Method;
        var methods = endpoint.DeclaringType!.GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m == endpoint || BoundMethods.Contains(m.Name));
        foreach (var parameter in methods.SelectMany(m => m.GetParameters()))
        {
            if (parameter.GetCustomAttribute<AsParametersAttribute>() is not null || IsQueryObject(parameter.ParameterType, chain))
            {
                foreach (var property in parameter.ParameterType.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                             .Where(p => p.GetCustomAttribute<FromQueryAttribute>() is not null || IsSimple(p.PropertyType)))
                    query.TryAdd(property.GetCustomAttribute<FromQueryAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name),
                        property.PropertyType);
                continue;
            }
            if (!IsSimple(parameter.ParameterType) || parameter.Name is null || parameter.GetCustomAttribute<FromHeaderAttribute>() is not null)
                continue;
            // Wolverine binds a simple parameter from the route when the route names it, else from the query string.
            if (routeNames.Contains(parameter.Name)) route.TryAdd(parameter.Name, parameter.ParameterType);
            else query.TryAdd(parameter.GetCustomAttribute<FromQueryAttribute>()?.Name ?? parameter.Name, parameter.ParameterType);
        }
        // A route value no method binds is the stream id of the aggregate Wolverine loads for the endpoint
        // ({customerId} of a [Target] Customer): our aggregates are keyed by Guid. Any other is text.
        foreach (var name in routeNames) route.TryAdd(name, name.EndsWith("Id", StringComparison.Ordinal) ? typeof(Guid) : typeof(string));
        foreach (var name in routeNames) query.Remove(name);

        return new EndpointInputs(route, query);
    }

    /// <summary>A class of query filters bound as a whole (Wolverine binds [AsParameters] and query-only types).</summary>
    private static bool IsQueryObject(Type type, HttpChain chain) =>
        type.IsClass && type != typeof(string) && type != chain.RequestType && type.Namespace?.StartsWith("EventCrm", StringComparison.Ordinal) == true
        && type.GetProperties().Any(p => p.GetCustomAttribute<FromQueryAttribute>() is not null);

    public static bool IsSimple(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t.IsArray) return IsSimple(t.GetElementType()!);
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(Guid)
               || t == typeof(DateOnly) || t == typeof(DateTimeOffset) || t == typeof(DateTime) || t == typeof(TimeSpan)
               || t == typeof(TimeOnly);
    }
}

/// <summary>How a value of a type is written, in the words of an error message: "'age' must be {what}."</summary>
public static class ValueNames
{
    public static string Describe(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t.IsEnum) return $"one of {string.Join(", ", EnumNames(t))}";
        if (t.IsArray || (t != typeof(string) && t.IsAssignableTo(typeof(System.Collections.IEnumerable))))
            return "a list";
        return t switch
        {
            _ when t == typeof(int) || t == typeof(long) || t == typeof(short) => "a whole number",
            _ when t == typeof(decimal) || t == typeof(double) || t == typeof(float) => "a number",
            _ when t == typeof(bool) => "true or false",
            _ when t == typeof(Guid) => "an id (a UUID such as 0190a6e4-8f0c-7a52-9d1f-3c2b4a6e8d10)",
            _ when t == typeof(DateOnly) => $"a date (yyyy-MM-dd) {DateRange}",
            _ when t == typeof(DateTimeOffset) || t == typeof(DateTime) => $"a date and time in ISO 8601 (e.g. 2026-05-01T09:30:00Z) {DateRange}",
            _ when t == typeof(TimeSpan) => "a duration (e.g. 01:30:00)",
            _ when t == typeof(TimeOnly) => "a time of day (HH:mm)",
            _ when t == typeof(string) => "text",
            _ => "an object",
        };
    }

    /// <summary>An enum's values as the API spells them (camelCase).</summary>
    public static IEnumerable<string> EnumNames(Type enumType) =>
        Enum.GetNames(enumType).Select(JsonNamingPolicy.CamelCase.ConvertName);

    /// <summary>The dates the API takes: wide enough for birth dates and plans, narrow enough that date arithmetic never overflows.</summary>
    public static readonly DateOnly EarliestDate = new(1800, 1, 1);
    public static readonly DateOnly LatestDate = new(2999, 12, 31);

    public static string DateRange => $"between {EarliestDate:yyyy-MM-dd} and {LatestDate:yyyy-MM-dd}";

    public static bool InDateRange(DateOnly date) => date >= EarliestDate && date <= LatestDate;

    public static bool InDateRange(DateTimeOffset time) =>
        time.UtcDateTime >= EarliestDate.ToDateTime(TimeOnly.MinValue) && time.UtcDateTime < LatestDate.AddDays(1).ToDateTime(TimeOnly.MinValue);

    /// <summary>Parses a query or route value the way the endpoint will bind it; false with nothing bound when it is not one.</summary>
    public static bool TryParse(string text, Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t.IsArray) return TryParse(text, t.GetElementType()!);
        var invariant = CultureInfo.InvariantCulture;
        return t switch
        {
            _ when t == typeof(string) => true,
            // Only names: a number would bind to any value of the enum's underlying type, defined or not.
            _ when t.IsEnum => Enum.GetNames(t).Any(n => string.Equals(n, text, StringComparison.OrdinalIgnoreCase)),
            _ when t == typeof(int) => int.TryParse(text, NumberStyles.Integer, invariant, out _),
            _ when t == typeof(long) => long.TryParse(text, NumberStyles.Integer, invariant, out _),
            _ when t == typeof(short) => short.TryParse(text, NumberStyles.Integer, invariant, out _),
            _ when t == typeof(decimal) => decimal.TryParse(text, NumberStyles.Number, invariant, out _),
            _ when t == typeof(double) => double.TryParse(text, NumberStyles.Float, invariant, out var d) && double.IsFinite(d),
            _ when t == typeof(float) => float.TryParse(text, NumberStyles.Float, invariant, out var f) && float.IsFinite(f),
            _ when t == typeof(bool) => bool.TryParse(text, out _),
            _ when t == typeof(Guid) => Guid.TryParse(text, out _),
            _ when t == typeof(DateOnly) => DateOnly.TryParseExact(text, "yyyy-MM-dd", invariant, DateTimeStyles.None, out var date) && InDateRange(date),
            _ when t == typeof(DateTimeOffset) => DateTimeOffset.TryParse(text, invariant, DateTimeStyles.RoundtripKind, out var time) && InDateRange(time),
            _ when t == typeof(DateTime) => DateTime.TryParse(text, invariant, DateTimeStyles.RoundtripKind, out var when) && InDateRange(DateOnly.FromDateTime(when)),
            _ when t == typeof(TimeSpan) => TimeSpan.TryParse(text, invariant, out _),
            _ when t == typeof(TimeOnly) => TimeOnly.TryParse(text, invariant, out _),
            _ => true,
        };
    }
}
