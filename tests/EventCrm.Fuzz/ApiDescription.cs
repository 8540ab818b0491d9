using System.Text.Json;

namespace EventCrm.Fuzz;

public enum Kind { Any, Object, Array, String, Integer, Number, Boolean }

/// <summary>A JSON schema from the OpenAPI document, with references resolved: what the fuzzer needs of it.</summary>
public sealed class Schema
{
    public Kind Kind { get; init; }
    public string? Format { get; init; }
    public IReadOnlyList<string> Enum { get; init; } = [];
    public IReadOnlyDictionary<string, Schema> Properties { get; set; } = new Dictionary<string, Schema>();
    public IReadOnlySet<string> Required { get; set; } = new HashSet<string>();
    public Schema? Items { get; set; }
    public bool Nullable { get; init; }

    public static readonly Schema Anything = new() { Kind = Kind.Any };

    public override string ToString() => Enum.Count > 0 ? "enum" : Format is { } f ? $"{Kind}:{f}" : Kind.ToString();
}

public sealed record Parameter(string Name, string In, Schema Schema, bool Required);

public sealed record RequestBody(IReadOnlyList<string> ContentTypes, Schema Schema, bool Required);

/// <summary>
/// One operation of the OpenAPI document. <see cref="Roles"/> are the roles its security requirement names (any valid
/// token when empty); null when the operation is public (an empty <c>security</c> list).
/// </summary>
public sealed record Operation(string Method, string Path, string Id, IReadOnlyList<Parameter> Parameters, RequestBody? Body,
    IReadOnlyList<string>? Roles)
{
    public IEnumerable<Parameter> InPath => Parameters.Where(p => p.In == "path");
    public IEnumerable<Parameter> InQuery => Parameters.Where(p => p.In == "query");
    public bool IsPublic => Roles is null;
    public bool TakesJson => Body?.ContentTypes.Any(c => c.Contains("json")) == true;

    /// <summary>The collection a path names, singular: <c>/api/customers/{id}</c> is about a customer.</summary>
    public string? CollectionBefore(string parameter)
    {
        var segments = Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var at = Array.FindIndex(segments, s => s == "{" + parameter + "}");
        return at > 0 ? Singular(segments[at - 1]) : null;
    }

    public static string Singular(string word) =>
        word.EndsWith("ies") ? word[..^3] + "y" : word.EndsWith("s") ? word[..^1] : word;

    public override string ToString() => $"{Method} {Path}";
}

/// <summary>Reads the operations of an OpenAPI 3.1 document as ASP.NET Core writes it.</summary>
public static class ApiDescription
{
    private static readonly string[] Methods = ["get", "post", "put", "patch", "delete"];

    public static IReadOnlyList<Operation> Read(JsonElement document)
    {
        var schemas = document.TryGetProperty("components", out var components) && components.TryGetProperty("schemas", out var s)
            ? s
            : default;
        var resolver = new Resolver(schemas);
        var operations = new List<Operation>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        foreach (var item in path.Value.EnumerateObject().Where(i => Methods.Contains(i.Name)))
        {
            var operation = item.Value;
            var parameters = operation.TryGetProperty("parameters", out var ps)
                ? ps.EnumerateArray().Select(p => new Parameter(
                    p.GetProperty("name").GetString()!,
                    p.GetProperty("in").GetString()!,
                    p.TryGetProperty("schema", out var schema) ? resolver.Resolve(schema, 0) : Schema.Anything,
                    p.TryGetProperty("required", out var required) && required.GetBoolean())).ToList()
                : [];
            RequestBody? body = null;
            if (operation.TryGetProperty("requestBody", out var rb) && rb.TryGetProperty("content", out var content))
            {
                var types = content.EnumerateObject().Select(c => c.Name).ToList();
                var first = content.EnumerateObject().First().Value;
                body = new RequestBody(types, first.TryGetProperty("schema", out var schema) ? resolver.Resolve(schema, 0) : Schema.Anything,
                    rb.TryGetProperty("required", out var required) && required.GetBoolean());
            }
            operations.Add(new Operation(item.Name.ToUpperInvariant(), path.Name,
                operation.TryGetProperty("operationId", out var id) ? id.GetString()! : $"{item.Name} {path.Name}",
                parameters, body, RolesOf(operation, document)));
        }
        return operations;
    }

    private static IReadOnlyList<string>? RolesOf(JsonElement operation, JsonElement document)
    {
        var security = operation.TryGetProperty("security", out var own) ? own
            : document.TryGetProperty("security", out var global) ? global : default;
        if (security.ValueKind != JsonValueKind.Array || security.GetArrayLength() == 0) return null;
        return security.EnumerateArray().SelectMany(requirement => requirement.EnumerateObject())
            .SelectMany(scheme => scheme.Value.EnumerateArray().Select(role => role.GetString()!)).Distinct().ToList();
    }

    private sealed class Resolver(JsonElement schemas)
    {
        private readonly Dictionary<string, Schema> _named = new();

        public Schema Resolve(JsonElement schema, int depth)
        {
            if (depth > 12 || schema.ValueKind != JsonValueKind.Object) return Schema.Anything;
            if (schema.TryGetProperty("$ref", out var reference)) return Named(reference.GetString()!, depth);
            foreach (var combinator in (string[])["oneOf", "anyOf", "allOf"])
                if (schema.TryGetProperty(combinator, out var options))
                {
                    var real = options.EnumerateArray().Where(o => !IsNull(o)).ToList();
                    var nullable = real.Count < options.GetArrayLength();
                    var resolved = real.Count > 0 ? Resolve(real[0], depth + 1) : Schema.Anything;
                    return nullable ? Nullable(resolved) : resolved;
                }

            var types = schema.TryGetProperty("type", out var type)
                ? type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToList() : [type.GetString()!]
                : [];
            var kind = types.Contains("object") ? Kind.Object
                : types.Contains("array") ? Kind.Array
                : types.Contains("integer") ? Kind.Integer
                : types.Contains("number") ? Kind.Number
                : types.Contains("boolean") ? Kind.Boolean
                : types.Contains("string") ? Kind.String
                : schema.TryGetProperty("properties", out _) ? Kind.Object
                : Kind.Any;
            var result = new Schema
            {
                Kind = schema.TryGetProperty("enum", out _) ? Kind.String : kind,
                Format = schema.TryGetProperty("format", out var format) ? format.GetString() : null,
                Enum = schema.TryGetProperty("enum", out var values)
                    ? values.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).ToList()
                    : [],
                Nullable = types.Contains("null"),
            };
            if (schema.TryGetProperty("properties", out var properties))
                result.Properties = properties.EnumerateObject().ToDictionary(p => p.Name, p => Resolve(p.Value, depth + 1));
            if (schema.TryGetProperty("required", out var required))
                result.Required = required.EnumerateArray().Select(r => r.GetString()!).ToHashSet();
            if (schema.TryGetProperty("items", out var items)) result.Items = Resolve(items, depth + 1);
            return result;
        }

        private Schema Named(string reference, int depth)
        {
            var name = reference.Split('/').Last();
            if (_named.TryGetValue(name, out var known)) return known;
            if (schemas.ValueKind != JsonValueKind.Object || !schemas.TryGetProperty(name, out var definition)) return Schema.Anything;
            var resolved = Resolve(definition, depth + 1);
            _named[name] = resolved;
            return resolved;
        }

        private static bool IsNull(JsonElement schema) =>
            schema.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == "null";

        private static Schema Nullable(Schema schema) => new()
        {
            Kind = schema.Kind, Format = schema.Format, Enum = schema.Enum, Properties = schema.Properties,
            Required = schema.Required, Items = schema.Items, Nullable = true,
        };
    }
}
