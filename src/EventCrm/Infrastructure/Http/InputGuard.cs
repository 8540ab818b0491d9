using System.Collections;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace EventCrm.Infrastructure.Http;

/// <summary>
/// Checks every request against its endpoint's <see cref="EndpointInputs"/> before the endpoint runs, and answers a
/// client's mistake with a ProblemDetails written for people — never a .NET type name, never a 500, nothing stored:
/// <list type="bullet">
/// <item>query and route values parse as the endpoint's types (enums by name only; dates in the supported range;
/// an id is never the empty UUID), appear once, and hold no control characters;</item>
/// <item>a JSON body is sent as JSON, is well-formed UTF-8, an object, at most <see cref="MaxDepth"/> levels deep,
/// with no member twice and no NUL or lone surrogate in any text, binds to the endpoint's command with each wrong
/// member named, and holds no empty id and no null item in a list. An empty body is read as <c>{}</c>, so a body whose fields are all optional
/// may be left out. Which members the body stated is kept (<see cref="BodyFields"/>) for commands that change only
/// what is sent.</item>
/// </list>
/// </summary>
public static class InputGuard
{
    public const int MaxDepth = 64;

    public static IApplicationBuilder UseInputGuard(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (http.GetEndpoint()?.Metadata.GetMetadata<EndpointInputs>() is not { } inputs)
        {
            await next(http);
            return;
        }

        var problem = CheckRoute(http, inputs) ?? CheckQuery(http, inputs);
        if (problem is null && inputs.Instants.Count > 0 && UtcInstants.InUtc(http.Request.Query, inputs.Instants) is { } utc)
            http.Request.QueryString = utc;
        if (problem is null && JsonBodyOf(http) is { } bodyType && HasBody(http.Request))
            problem = await CheckBody(http, bodyType);

        if (problem is null)
        {
            await next(http);
            return;
        }
        http.Response.StatusCode = problem.Status!.Value;
        await http.RequestServices.GetRequiredService<IProblemDetailsService>()
            .WriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem });
    });

    private static ProblemDetails? CheckRoute(HttpContext http, EndpointInputs inputs)
    {
        foreach (var (name, type) in inputs.Route)
        {
            if (http.GetRouteValue(name)?.ToString() is not { } text) continue;
            if (HasControlCharacters(text)) return Invalid(name, $"'{name}' must not contain control characters.");
            var t = Nullable.GetUnderlyingType(type) ?? type;
            if (t == typeof(Guid) && (!Guid.TryParse(text, out var id) || id == Guid.Empty))
                return Problems.NotFound($"'{Printable(text)}' is not the id of any record.");
            if (!ValueNames.TryParse(text, type))
                return Problems.NotFound($"'{Printable(text)}' is not a valid {name}: it must be {ValueNames.Describe(type)}.");
        }
        return null;
    }

    private static ProblemDetails? CheckQuery(HttpContext http, EndpointInputs inputs)
    {
        var errors = new FieldErrors();
        foreach (var (key, values) in http.Request.Query)
        {
            var field = key;
            if (values.Any(v => v is not null && HasControlCharacters(v)))
            {
                errors.Add(field, $"'{field}' must not contain control characters.");
                continue;
            }
            if (!inputs.Query.TryGetValue(key, out var type)) continue;
            if (values.Count > 1 && !type.IsArray)
            {
                errors.Add(field, $"'{field}' is given {values.Count} times; give it once.");
                continue;
            }
            foreach (var value in values)
            {
                if (string.IsNullOrEmpty(value) || ValueNames.TryParse(value, type)) continue;
                var t = Nullable.GetUnderlyingType(type) ?? type;
                errors.Add(field, t == typeof(Guid) && Guid.TryParse(value, out _)
                    ? $"'{field}' must not be the empty id."
                    : $"'{field}' must be {ValueNames.Describe(type)}; '{Printable(value)}' is not.");
            }
        }
        return errors.Any ? errors.ToProblem() : null;
    }

    private static async Task<ProblemDetails?> CheckBody(HttpContext http, Type bodyType)
    {
        var request = http.Request;
        if (!IsJson(request.ContentType))
            return new ProblemDetails
            {
                Type = "urn:eventcrm:problem:unsupported-media-type",
                Title = "The body must be JSON.",
                Status = StatusCodes.Status415UnsupportedMediaType,
                Detail = string.IsNullOrEmpty(request.ContentType)
                    ? "Send the body with 'Content-Type: application/json'."
                    : $"This endpoint reads 'application/json', not '{Printable(request.ContentType)}'.",
            };

        request.EnableBuffering();
        byte[] bytes;
        using (var buffer = new MemoryStream())
        {
            await request.Body.CopyToAsync(buffer, http.RequestAborted);
            bytes = buffer.ToArray();
        }
        if (bytes.AsSpan().Trim(" \t\r\n"u8).IsEmpty)
        {
            // Nothing sent: read as an empty object, so that a command whose fields are all optional may leave it out.
            bytes = "{}"u8.ToArray();
            request.Body = new MemoryStream(bytes);
            request.ContentLength = bytes.Length;
        }
        else request.Body.Position = 0;

        if (Syntax(bytes, out var present) is { } syntax) return syntax;
        http.Features.Set(new BodyFields(present));

        var json = http.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        object? command;
        try
        {
            command = JsonSerializer.Deserialize(bytes, bodyType, json);
        }
        catch (JsonException e)
        {
            return BadMember(e.Path, bodyType);
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or ArgumentException or FormatException or OverflowException)
        {
            // Thrown by a member's own constructor or converter: still the client's body, still a 400.
            return BadMember(null, bodyType);
        }
        if (command is null) return NotAnObject();

        var errors = new FieldErrors();
        FindBadValues(command, "", errors, depth: 0);
        return errors.Any ? errors.ToProblem() : null;
    }

    /// <summary>Well-formed JSON, an object, no member twice, no NUL or lone surrogate; the top-level members it states.</summary>
    private static ProblemDetails? Syntax(byte[] bytes, out HashSet<string> present)
    {
        present = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = MaxDepth });
        var members = new Stack<HashSet<string>>();
        var path = new Stack<string>();
        string? pending = null;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return NotAnObject();
            members.Push(new HashSet<string>(StringComparer.OrdinalIgnoreCase));
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        members.Push(new HashSet<string>(StringComparer.OrdinalIgnoreCase));
                        path.Push(pending ?? "[]");
                        pending = null;
                        break;
                    case JsonTokenType.StartArray:
                        path.Push(pending ?? "[]");
                        pending = null;
                        break;
                    case JsonTokenType.EndObject:
                        members.Pop();
                        if (path.Count > 0) path.Pop();
                        break;
                    case JsonTokenType.EndArray:
                        if (path.Count > 0) path.Pop();
                        break;
                    case JsonTokenType.PropertyName:
                        var name = reader.GetString()!;
                        if (Unsafe(name)) return Invalid(Join(path, "(member name)"), "A member name holds a NUL or an invalid character.");
                        var field = Join(path, name);
                        if (!members.Peek().Add(name)) return Invalid(field, $"'{field}' is given twice; give each member once.");
                        if (members.Count == 1) present.Add(name);
                        pending = name;
                        break;
                    case JsonTokenType.String:
                        var text = reader.GetString()!;
                        if (Unsafe(text))
                        {
                            var at = Join(path, pending ?? "[]");
                            return Invalid(at, $"'{at}' holds a NUL character or a lone surrogate, which no text may contain.");
                        }
                        pending = null;
                        break;
                    default:
                        pending = null;
                        break;
                }
            }
            return null;
        }
        catch (JsonException e)
        {
            return new ProblemDetails
            {
                Type = "urn:eventcrm:problem:malformed-json",
                Title = "The body is not valid JSON.",
                Status = StatusCodes.Status400BadRequest,
                Detail = e.Message.Contains("depth", StringComparison.OrdinalIgnoreCase)
                    ? $"The body nests deeper than {MaxDepth} levels."
                    : $"The JSON is malformed near line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}: check quotes, commas, brackets and that the text is UTF-8.",
            };
        }
        catch (InvalidOperationException)
        {
            return Invalid(Join(path, pending ?? ""), "The body holds text that is not valid UTF-16 (a lone surrogate).");
        }
    }

    /// <summary>The member a binding error happened at, named the way the client wrote it, with what it must be.</summary>
    private static ProblemDetails BadMember(string? jsonPath, Type bodyType)
    {
        var (field, type) = Resolve(jsonPath, bodyType);
        return field is null
            ? Invalid("", "The body does not match this request. See the API documentation for its fields.")
            : Invalid(field, $"'{field}' must be {ValueNames.Describe(type!)}.");
    }

    /// <summary>Walks a JSON path such as <c>$.opportunity.amount</c> or <c>$.tags[2]</c> down the command's members.</summary>
    private static (string? Field, Type? Type) Resolve(string? jsonPath, Type root)
    {
        if (string.IsNullOrEmpty(jsonPath) || jsonPath == "$") return (null, null);
        var type = root;
        var names = new List<string>();
        foreach (var segment in jsonPath.TrimStart('$').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = segment;
            var bracket = name.IndexOf('[');
            var indexed = bracket >= 0;
            if (indexed) name = name[..bracket];
            if (name.Length > 0)
            {
                var property = type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
                if (property is null) return (names.Count > 0 ? string.Join('.', names) : null, type);
                type = property.PropertyType;
                names.Add(JsonNamingPolicy.CamelCase.ConvertName(property.Name));
            }
            if (indexed) type = ElementType(type) ?? type;
        }
        return (string.Join('.', names), type);
    }

    private static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))
            ?.GetGenericArguments()[0];

    /// <summary>Values no command may hold: the empty id, and dates outside the range the API works with.</summary>
    private static void FindBadValues(object value, string path, FieldErrors found, int depth)
    {
        if (depth > MaxDepth) return;
        foreach (var property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.Name == "EqualityContract") continue;
            var member = path.Length == 0 ? JsonNamingPolicy.CamelCase.ConvertName(property.Name) : $"{path}.{JsonNamingPolicy.CamelCase.ConvertName(property.Name)}";
            var inner = property.GetValue(value);
            if (inner is IEnumerable items and not string)
            {
                var index = 0;
                var nullable = ItemsMayBeNull(property);
                foreach (var item in items)
                {
                    var at = index++;
                    if (item is null)
                    {
                        // A hole in a list is never what a client meant, and no handler should have to expect one.
                        if (!nullable) found.Add($"{member}[{at}]", $"'{member}[{at}]' is null; leave it out or give the item.");
                        continue;
                    }
                    if (Bad(item) is { } message) found.Add(member, $"'{member}' {message}");
                    else if (item is not string && !item.GetType().IsValueType) FindBadValues(item, member, found, depth + 1);
                }
            }
            else if (inner is not null && Bad(inner) is { } message) found.Add(member, $"'{member}' {message}");
            else if (inner is not null and not string && !inner.GetType().IsValueType
                     && property.PropertyType.Namespace?.StartsWith("EventCrm", StringComparison.Ordinal) == true)
                FindBadValues(inner, member, found, depth + 1);
        }
    }

    /// <summary>Whether a list member declares its items nullable (<c>IReadOnlyList&lt;string?&gt;</c>), by its nullable annotations.</summary>
    private static bool ItemsMayBeNull(PropertyInfo property)
    {
        var info = new NullabilityInfoContext().Create(property);
        var item = info.ElementType ?? (info.GenericTypeArguments.Length == 1 ? info.GenericTypeArguments[0] : null);
        return item is null || item.ReadState != NullabilityState.NotNull || Nullable.GetUnderlyingType(item.Type) is not null;
    }

    /// <summary>The command an endpoint reads from a JSON body, as it declares for the OpenAPI document and routing.</summary>
    private static Type? JsonBodyOf(HttpContext http) =>
        http.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>() is { RequestType: { } type } accepts
        && accepts.ContentTypes.Any(c => c.Contains("json", StringComparison.OrdinalIgnoreCase))
            ? type
            : null;

    private static string? Bad(object value) => value switch
    {
        Guid id when id == Guid.Empty => "must not be the empty id.",
        // A member left out holds its type's default; the command's own validation says it is required.
        DateOnly date when date != default && !ValueNames.InDateRange(date) => $"must be a date {ValueNames.DateRange}.",
        DateTimeOffset time when time != default && !ValueNames.InDateRange(time) => $"must be a time {ValueNames.DateRange}.",
        DateTime time when time != default && !ValueNames.InDateRange(DateOnly.FromDateTime(time)) => $"must be a time {ValueNames.DateRange}.",
        _ => null,
    };

    private static bool HasBody(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method);

    private static bool IsJson(string? contentType) =>
        contentType is not null && (contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
                                    || (contentType.Split(';')[0].Trim().EndsWith("+json", StringComparison.OrdinalIgnoreCase)));

    /// <summary>Text no field may hold: NUL (PostgreSQL cannot store it) or half of a surrogate pair.</summary>
    private static bool Unsafe(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0') return true;
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1])) return true;
                i++;
            }
            else if (char.IsLowSurrogate(c)) return true;
        }
        return false;
    }

    /// <summary>C0 and C1 control characters (a query or route value never needs one).</summary>
    public static bool HasControlCharacters(string text) => text.Any(char.IsControl) || Unsafe(text);

    private static string Join(Stack<string> path, string last) =>
        string.Join('.', path.Reverse().Where(p => p != "[]").Append(last).Where(p => p.Length > 0));

    /// <summary>A value quoted back to the client: shortened, control characters shown as '?'.</summary>
    public static string Printable(string text)
    {
        var shown = new StringBuilder();
        foreach (var c in text.Length > 60 ? text[..60] : text) shown.Append(char.IsControl(c) || char.IsSurrogate(c) ? '?' : c);
        if (text.Length > 60) shown.Append('…');
        return shown.ToString();
    }

    private static ProblemDetails NotAnObject() => Invalid("", "The body must be a JSON object, such as {\"name\": \"Ada Lovelace\"}.");

    private static ProblemDetails Invalid(string field, string message) =>
        field.Length == 0
            ? new ProblemDetails
            {
                Type = Problems.ValidationType,
                Title = "The request is invalid.",
                Status = StatusCodes.Status400BadRequest,
                Detail = message,
            }
            : new FieldErrors().Add(field, message).ToProblem();
}

/// <summary>
/// The top-level members a JSON body stated (present, even when null), for commands where a member left out keeps
/// its value and only an explicit null clears it.
/// </summary>
public sealed class BodyFields
{
    private readonly IReadOnlySet<string>? _stated;

    private BodyFields(IReadOnlySet<string>? stated) => _stated = stated;

    public BodyFields(IEnumerable<string> stated) : this(stated.ToHashSet(StringComparer.OrdinalIgnoreCase))
    {
    }

    /// <summary>Every member counts as stated: for decisions made outside an HTTP request (imports, demo data).</summary>
    public static readonly BodyFields Everything = new((IReadOnlySet<string>?)null);

    public bool Has(string member) => _stated is null || _stated.Contains(member);

    public static BodyFields Of(HttpContext http) => http.Features.Get<BodyFields>() ?? Everything;
}
