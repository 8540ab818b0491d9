using System.Text;
using System.Text.Json;
using EventCrm.Infrastructure.Security;

namespace EventCrm.Fuzz;

public enum TokenUse { Allowed, None, Expired, Forged, OtherRole }

/// <summary>One generated request and what it was made to try.</summary>
public sealed record Case(int Index, Operation Operation, string Family, TokenUse Token, string? Role, WireRequest Request, bool KestrelMayAnswer)
{
    /// <summary>The record the path names (its first id), for learning its version from the answer.</summary>
    public string? RecordId { get; init; }

    public string CorrelationId => Request.HeaderValue("X-Correlation-Id") ?? "";
}

/// <summary>
/// Record ids and keys the application has handed out (harvested from its answers), by what they are ids of, so that
/// hostile requests reach records that exist rather than stopping at a 404.
/// </summary>
public sealed class Pools
{
    private readonly Dictionary<string, List<string>> _ids = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, int> _versions = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The version a record last had in an answer, so that commands on it can carry the current one.</summary>
    public int? VersionOf(string? id) => id is not null && _versions.TryGetValue(id, out var version) ? version : null;

    public IReadOnlyDictionary<string, List<string>> All => _ids;

    public void Add(string kind, string id)
    {
        if (!_ids.TryGetValue(kind, out var list)) _ids[kind] = list = [];
        if (!list.Contains(id) && list.Count < 50) list.Add(id);
    }

    /// <summary>An id for a parameter or member: by its name (<c>customerId</c>), else by the collection it is in, else any.</summary>
    public string For(string name, string? collection, Random random, bool guid)
    {
        var kind = name.EndsWith("Id", StringComparison.Ordinal) && name.Length > 2 ? name[..^2] : name;
        if (_ids.TryGetValue(kind, out var byName) && byName.Count > 0) return random.Pick(byName);
        if (collection is not null && _ids.TryGetValue(collection, out var byCollection) && byCollection.Count > 0) return random.Pick(byCollection);
        var any = _ids.Values.SelectMany(v => v).Where(v => !guid || Guid.TryParse(v, out _)).ToList();
        return any.Count > 0 && random.Next(4) > 0 ? random.Pick(any) : guid ? Guid.CreateVersion7().ToString() : "fuzz";
    }

    /// <summary>Learns the ids in a successful answer: <c>id</c>/<c>key</c> of what the route made or lists, <c>xId</c> of an x.</summary>
    public void Harvest(Operation operation, byte[] body, string? recordId = null)
    {
        if (body.Length == 0 || body.Length > 4 * 1024 * 1024) return;
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(body).RootElement;
        }
        catch (JsonException)
        {
            return;
        }
        var segments = operation.Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var collection = segments.LastOrDefault(s => !s.StartsWith('{'));
        var kind = collection is null ? null : Operation.Singular(collection);
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.Number)
        {
            var of = root.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : recordId;
            if (of is not null) _versions[of] = v.GetInt32();
        }
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("items", out var items)) root = items;
        foreach (var element in root.ValueKind == JsonValueKind.Array ? root.EnumerateArray().Take(20) : [root])
        {
            if (element.ValueKind != JsonValueKind.Object) continue;
            foreach (var member in element.EnumerateObject())
            {
                if (member.Value.ValueKind != JsonValueKind.String) continue;
                var value = member.Value.GetString()!;
                if (member.Name is "id" or "key" && kind is not null) Add(kind, value);
                // Records named rather than numbered (models): a list's names, when its items have no id.
                else if (member.Name == "name" && kind is not null && root.ValueKind == JsonValueKind.Array
                         && !element.TryGetProperty("id", out _) && !element.TryGetProperty("key", out _)) Add(kind, value);
                else if (member.Name.EndsWith("Id", StringComparison.Ordinal) && Guid.TryParse(value, out _)) Add(member.Name[..^2], value);
            }
        }
    }
}

/// <summary>
/// Makes requests for an operation from its OpenAPI description: first a plausible request (values of the right
/// type, ids that exist), then one hostile change of the family asked for. Every case draws from a random source of
/// its own (seed and index), so a case can be made again alone.
/// </summary>
public sealed class Generator(FuzzTarget target, Pools pools, int seed)
{
    public static readonly string[] Families =
    [
        "valid", "path", "query", "query-repeat", "query-unknown", "query-huge", "member", "members-missing", "body-shape", "deep",
        "duplicate", "unknown-members", "huge", "utf8", "content-type", "form", "multipart", "chunked", "headers", "method", "target",
        "member", "query", "multipart", "tokens",
    ];

    private int _emails;
    private int? _version; // of the record the request is about, while its body is made

    public static Random RandomFor(int seed, int index) => new(unchecked(seed * 1_000_003 + index));

    public Case Make(int index, Operation operation, string family)
    {
        var random = RandomFor(seed, index);
        var seeding = index < 0; // the plausible requests that make records to aim at: an admin, required members only
        var draft = Baseline(operation, random, index, seeding);
        Apply(family, draft, operation, random);
        var reached = Reached(operation, draft);
        if (reached != operation && draft.Token is TokenUse.Allowed or TokenUse.OtherRole && draft.Role is { } role)
            draft.Token = reached.Roles is not { Count: > 0 } roles || roles.Contains(role) ? TokenUse.Allowed : TokenUse.OtherRole;
        return new Case(index, reached, family, draft.Token, draft.Role, draft.Render(), draft.KestrelMayAnswer) { RecordId = draft.RecordId };
    }

    /// <summary>The operation a request reaches (see <see cref="Routes.Reached"/>).</summary>
    private Operation Reached(Operation operation, Draft draft) =>
        draft.RawTarget is not null ? operation : Routes.Reached(target.Operations, operation, draft.Method, draft.Render().Target);

    private sealed class Draft
    {
        public string Method = "GET";
        public string PathTemplate = "";
        public Dictionary<string, string> PathValues = new();
        public string? RawTarget;
        public List<(string Key, string Value)> Query = [];
        public List<(string Name, byte[] Value)> Headers = [];
        public byte[] Body = [];
        public string? ContentType;
        public Framing Framing = Framing.Length;
        public int ChunkSize;
        public bool KestrelMayAnswer;
        public TokenUse Token;
        public string? Role;
        public string? JsonBody; // the plausible body, before a hostile change
        public string? RecordId;

        public WireRequest Render()
        {
            var target = RawTarget ?? PathValues.Aggregate(PathTemplate, (path, p) => path.Replace("{" + p.Key + "}", p.Value))
                + (Query.Count > 0 ? "?" + string.Join('&', Query.Select(q => q.Value is null ? q.Key : $"{q.Key}={q.Value}")) : "");
            var headers = new List<(string, byte[])>(Headers);
            if (ContentType is not null) headers.Add(("Content-Type", Encoding.UTF8.GetBytes(ContentType)));
            return new WireRequest(Method, target, headers, Body, Framing, ChunkSize);
        }

        public void Header(string name, string value) => Headers.Add((name, Encoding.UTF8.GetBytes(value)));

        public void SetJson(string json)
        {
            JsonBody = json;
            Body = Encoding.UTF8.GetBytes(json);
            ContentType = "application/json";
        }
    }

    private Draft Baseline(Operation operation, Random random, int index, bool seeding)
    {
        var draft = new Draft { Method = operation.Method, PathTemplate = operation.Path };
        foreach (var parameter in operation.InPath)
            draft.PathValues[parameter.Name] = Uri.EscapeDataString(pools.For(parameter.Name, operation.CollectionBefore(parameter.Name), random,
                parameter.Schema.Format == "uuid"));
        draft.RecordId = operation.InPath.Where(p => p.Schema.Format == "uuid").Select(p => Uri.UnescapeDataString(draft.PathValues[p.Name])).FirstOrDefault();
        foreach (var parameter in operation.InQuery)
            if (parameter.Required || random.Next(3) == 0)
                draft.Query.Add((parameter.Name, Uri.EscapeDataString(ValidText(parameter.Schema, parameter.Name, random))));

        // Who calls: mostly someone allowed; sometimes nobody, an expired or forged token, or a role the route does not take.
        var roll = random.Next(100);
        var allowed = operation.Roles is { Count: > 0 } r ? r : Roles.All;
        var others = Roles.All.Except(allowed).ToList();
        (draft.Token, draft.Role) = seeding ? (operation.IsPublic ? TokenUse.None : TokenUse.Allowed, operation.IsPublic ? null : Roles.Admin)
            : operation.IsPublic
            ? (roll < 50 ? TokenUse.None : TokenUse.Allowed, roll < 50 ? null : random.Pick(Roles.All))
            : roll switch
            {
                < 76 => (TokenUse.Allowed, random.Pick(allowed)),
                < 84 => (TokenUse.None, null),
                < 88 => (TokenUse.Expired, random.Pick(allowed)),
                < 92 => (TokenUse.Forged, random.Pick(allowed)),
                _ when others.Count > 0 => (TokenUse.OtherRole, random.Pick(others)),
                _ => (TokenUse.Allowed, random.Pick(allowed)),
            };
        var token = draft.Token switch
        {
            TokenUse.Allowed or TokenUse.OtherRole when draft.Role is not null => target.Token(draft.Role),
            TokenUse.Expired => target.ExpiredToken(draft.Role!),
            TokenUse.Forged => target.ForgedToken(draft.Role!),
            _ => null,
        };
        if (token is not null) draft.Header("Authorization", "Bearer " + token);
        draft.Header("X-Correlation-Id", $"fuzz-{seed}-{index}");

        if (operation.Body is { } body && operation.TakesJson)
        {
            _version = pools.VersionOf(draft.RecordId);
            draft.SetJson(ValidJson(body.Schema, "", random, 0, requiredOnly: seeding));
        }
        else if (operation.Method is "POST" && (seeding || random.Next(3) == 0))
            Multipart(draft, random, hostile: false);
        return draft;
    }

    // --- plausible values ---------------------------------------------------------------------------------------------

    private string NewEmail() => $"fuzz.{seed}.{Interlocked.Increment(ref _emails)}@example.com";

    private string ValidText(Schema schema, string name, Random random)
    {
        if (schema.Enum.Count > 0) return random.Pick(schema.Enum);
        var lower = name.ToLowerInvariant();
        return schema.Kind switch
        {
            // A long poll's wait is spent waiting: short ones keep the run short (its patience allows for them anyway).
            Kind.Integer when lower.StartsWith("wait", StringComparison.Ordinal) => random.Pick(["0", "1"]),
            Kind.Integer => lower.Contains("page") ? random.Pick(["1", "2", "10"]) : random.Pick(["1", "2", "3", "30"]),
            Kind.Number => random.Pick(["100", "2500.50", "42"]),
            Kind.Boolean => random.Pick(["true", "false"]),
            Kind.Array when schema.Items is { } items => ValidText(items, name, random),
            _ when schema.Format == "uuid" => pools.For(name, null, random, guid: true),
            _ when schema.Format == "date" && (lower.Contains("birth")) => "1980-04-02",
            _ when schema.Format == "date" && (lower.Contains("from") || lower.Contains("after")) => "2025-01-01",
            _ when schema.Format == "date" && (lower.Contains("to") || lower.Contains("before")) => "2027-12-31",
            _ when schema.Format == "date" => random.Pick(["2027-06-30", "2028-01-15"]),
            _ when schema.Format == "date-time" => random.Pick(["2026-05-01T10:00:00Z", "2025-01-01T00:00:00+02:00"]),
            _ when schema.Format == "time" => "09:30",
            _ when lower.Contains("email") => NewEmail(),
            _ when lower.Contains("phone") => "+14155550100",
            _ when lower.Contains("country") => "US",
            _ when lower.Contains("currency") => "EUR",
            _ when lower.Contains("culture") => "de-DE",
            _ when lower.Contains("owner") || lower.Contains("assignee") || lower == "user" => "fuzzer",
            _ when lower is "sort" => random.Pick(["name", "-totalSpent", "registeredAt"]),
            _ when lower is "field" or "target" => random.Pick(["age", "annualIncome", "totalSpent"]),
            _ when lower is "fields" or "features" => "age,annualIncome",
            _ when lower is "by" or "groupby" => random.Pick(["country", "month", "stage", "priority"]),
            _ when lower.Contains("name") || lower.Contains("title") || lower.Contains("subject") => "Ada Lovelace",
            _ => random.Pick(["fuzz", "Sales team", "web"]),
        };
    }

    private string ValidJson(Schema schema, string name, Random random, int depth, bool requiredOnly = false)
    {
        if (depth > 6) return "null";
        if (schema.Enum.Count > 0) return JsonSerializer.Serialize(random.Pick(schema.Enum));
        switch (schema.Kind)
        {
            case Kind.Object:
                var members = schema.Properties
                    .Where(p => schema.Required.Contains(p.Key) || (!requiredOnly && random.Next(2) == 0))
                    .Select(p => $"{JsonSerializer.Serialize(p.Key)}:{ValidJson(p.Value, p.Key, random, depth + 1, requiredOnly)}");
                return "{" + string.Join(',', members) + "}";
            case Kind.Array:
                return schema.Items is { } items ? $"[{ValidJson(items, name, random, depth + 1, requiredOnly)}]" : "[]";
            case Kind.Integer:
                return name.Equals("version", StringComparison.OrdinalIgnoreCase)
                    ? (_version is { } current && random.Next(8) > 0 ? current.ToString() : random.Pick(["1", "2"]))
                    : ValidText(schema, name, random);
            case Kind.Number:
            case Kind.Boolean:
                return ValidText(schema, name, random);
            case Kind.Any:
                return "{}";
            default:
                return JsonSerializer.Serialize(ValidText(schema, name, random));
        }
    }

    // --- hostile changes ----------------------------------------------------------------------------------------------

    private void Apply(string family, Draft draft, Operation operation, Random random)
    {
        switch (family)
        {
            case "valid":
                break;
            case "path":
                HostilePath(draft, operation, random);
                break;
            case "query":
                if (operation.InQuery.ToList() is { Count: > 0 } parameters)
                {
                    var parameter = random.Pick(parameters);
                    draft.Query.RemoveAll(q => q.Key == parameter.Name);
                    draft.Query.Add((parameter.Name, Hostile.EncodedFor(parameter.Schema, random)));
                }
                else draft.Query.Add((random.Pick(["page", "pageSize", "sort", "q", "from", "to"]), Hostile.EncodedFor(Schema.Anything, random)));
                break;
            case "query-repeat":
            {
                var name = operation.InQuery.Select(p => p.Name).DefaultIfEmpty("page").ToList();
                var key = random.Pick(name);
                var value = draft.Query.FirstOrDefault(q => q.Key == key).Value ?? "1";
                draft.Query.Add((key, value));
                draft.Query.Add((random.Next(2) == 0 ? key.ToUpperInvariant() : key, random.Pick(["a,b", "1,2", value + "," + value, "", "%2C"])));
                break;
            }
            case "query-unknown":
                for (var i = random.Next(1, 6); i > 0; i--)
                    draft.Query.Add((Uri.EscapeDataString(random.Pick(Hostile.UnknownMembers.Concat(["a[0]", "a[]", "%00", "x%00y", "é"]).ToList())),
                        Hostile.EncodedFor(Schema.Anything, random)));
                break;
            case "query-huge":
            {
                var size = random.Pick([9_000, 40_000, 100_000, 200_000, 2_000_000]);
                draft.Query.Add((random.Pick(operation.InQuery.Select(p => p.Name).DefaultIfEmpty("q").ToList()), Hostile.Huge(size)));
                if (size > 1_000_000) draft.KestrelMayAnswer = true; // beyond the request line Kestrel reads at all
                break;
            }
            case "member":
                HostileMember(draft, operation, random);
                break;
            case "members-missing":
                draft.SetJson(random.Next(2) == 0 ? "{}" : "{" + string.Join(',', (operation.Body?.Schema.Properties.Keys ?? []).Select(k => $"\"{k}\":null")) + "}");
                break;
            case "body-shape":
                draft.Body = Encoding.UTF8.GetBytes(random.Pick([
                    "null", " null ", "[]", "[{}]", "\"text\"", "1", "true", "1e400", "NaN", "", "   ", "\uFEFF{}", "{\"a\":", "{} x", "{}{}", "/* c */ {}",
                    "{'name':'x'}", "{name:\"x\"}", "{\"a\":1,}", "{\"a\" 1}", "[1,2", "\u0000", "{\"a\":\"\t\"}", "{\"a\":\"\n\"}", "{\"a\":01}", "{\"a\":.5}",
                    "{\"a\":\"\\x41\"}", "{\"a\":\"\\u12\"}", "{\"a\":tru}", "{\"a\":\"" + new string('x', 5000),
                ]));
                draft.ContentType = "application/json";
                break;
            case "deep":
            {
                var nested = Hostile.Nest(random.Pick([65, 100, 1000, 5000]), random.Next(2) == 0 ? '[' : '{');
                var member = operation.Body?.Schema.Properties.Keys.FirstOrDefault() ?? "a";
                draft.SetJson(random.Next(2) == 0 ? nested : $"{{\"{member}\":{nested}}}");
                break;
            }
            case "duplicate":
            {
                var json = draft.JsonBody ?? "{\"a\":1}";
                var member = operation.Body?.Schema.Properties.Keys.ToList() is { Count: > 0 } keys ? random.Pick(keys) : "a";
                var name = random.Next(2) == 0 ? member : member.ToUpperInvariant();
                draft.SetJson(json.TrimEnd('}') + (json.Length > 2 ? "," : "") + $"\"{name}\":{Encoding.UTF8.GetString(Hostile.ValueFor(Schema.Anything, random))}}}");
                break;
            }
            case "unknown-members":
            {
                var json = draft.JsonBody ?? "{}";
                var extra = Enumerable.Range(0, random.Next(1, 4))
                    .Select(_ => $"{JsonSerializer.Serialize(random.Pick(Hostile.UnknownMembers))}:{random.Pick(Hostile.AnyJson)}");
                draft.SetJson(json.TrimEnd('}') + (json.Length > 2 ? "," : "") + string.Join(',', extra) + "}");
                break;
            }
            case "huge":
            {
                var size = random.Pick([900_000, 1_048_000, 1_100_000, 3 * 1024 * 1024]);
                var member = operation.Body?.Schema.Properties.Keys.FirstOrDefault() ?? "name";
                draft.SetJson($"{{\"{member}\":\"{Hostile.Huge(size)}\"}}");
                if (random.Next(2) == 0) draft.Framing = Framing.Chunked;
                break;
            }
            case "utf8":
            {
                var member = operation.Body?.Schema.Properties.Keys.FirstOrDefault() ?? "name";
                var value = random.Next(3) switch
                {
                    0 => random.Pick(Hostile.NotUtf8),
                    1 => Encoding.UTF8.GetBytes(random.Pick(Hostile.JsonEscapes)),
                    _ => Encoding.UTF8.GetBytes("\"" + random.Pick(["\u0001", "\u001f", "a\u0000b", "\u0085"]) + "\""),
                };
                draft.Body = [.. Encoding.UTF8.GetBytes($"{{\"{member}\":"), .. value, .. "}"u8.ToArray()];
                draft.ContentType = "application/json";
                break;
            }
            case "content-type":
                if (draft.Body.Length == 0) draft.SetJson("{}");
                draft.ContentType = random.Pick<string?>([
                    null, "text/plain", "application/xml", "application/json; charset=utf-16", "application/json; charset=latin1",
                    "application/x-www-form-urlencoded", "multipart/form-data", "application/json-patch+json", "application/merge-patch+json",
                    "*/*", "application/JSON", "application/json;;;", "application/json; boundary=x", "json", "", "text/csv", "application/octet-stream",
                    "application/vnd.api+json", "application/json\u0001", "application/jsonx",
                ]);
                break;
            case "form":
                HostileForm(draft, operation, random);
                break;
            case "multipart":
                Multipart(draft, random, hostile: true);
                break;
            case "chunked":
                if (draft.Body.Length == 0) draft.SetJson(draft.JsonBody ?? "{}");
                draft.Framing = Framing.Chunked;
                draft.ChunkSize = random.Pick([1, 2, 7, 100, 4096, 65536]);
                if (random.Next(4) == 0)
                {
                    // Framing a server must refuse, and which Kestrel refuses itself.
                    draft.Framing = Framing.AsWritten;
                    draft.KestrelMayAnswer = true;
                    var body = draft.Body;
                    (draft.Body, var headers) = random.Next(3) switch
                    {
                        0 => ([.. "zz\r\n"u8.ToArray(), .. body, .. "\r\n0\r\n\r\n"u8.ToArray()], new[] { ("Transfer-Encoding", "chunked") }),
                        1 => ([.. Encoding.ASCII.GetBytes($"{body.Length:x}\r\n"), .. body, .. "\r\n0\r\n\r\n"u8.ToArray()],
                            new[] { ("Transfer-Encoding", "chunked"), ("Content-Length", "3") }),
                        _ => (body, new[] { ("Transfer-Encoding", "gzip, chunked, identity") }),
                    };
                    foreach (var (n, v) in headers) draft.Header(n, v);
                }
                break;
            case "headers":
                HostileHeaders(draft, random);
                break;
            case "method":
                draft.Method = random.Pick(["PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE", "PROPFIND", "FOO", operation.Method == "GET" ? "POST" : "GET"]);
                break;
            case "target":
                HostileTarget(draft, random);
                break;
            case "tokens":
                draft.Headers.RemoveAll(h => h.Name == "Authorization");
                draft.Header("Authorization", random.Pick([
                    "Bearer", "Bearer ", "Bearer x", "Bearer " + new string('a', 20_000), "Basic YWRtaW46YWRtaW4=", "bearer " + target.Token(Roles.Admin),
                    "Bearer " + target.Token(Roles.Admin) + "x", "Bearer eyJhbGciOiJub25lIn0.eyJyb2xlIjoiYWRtaW4ifQ.", "Bearer " + target.Token(Roles.Admin) + " extra",
                    "Bearer \u00e9", "Token abc", "Bearer a.b.c", "Bearer ..", "Bearer " + target.Token(Roles.Admin).Replace('.', '\u0000'),
                ]));
                var sent = Encoding.UTF8.GetString(draft.Headers.Last().Value);
                if (sent.Contains('\0')) draft.KestrelMayAnswer = true; // a NUL in a header: Kestrel's to refuse
                // The scheme is case-insensitive, so one of these is a valid admin token; none of the others is.
                (draft.Token, draft.Role) = sent.StartsWith("bearer ", StringComparison.Ordinal) ? (TokenUse.Allowed, Roles.Admin) : (TokenUse.Forged, null);
                break;
        }
    }

    private void HostilePath(Draft draft, Operation operation, Random random)
    {
        if (operation.InPath.ToList() is not { Count: > 0 } parameters)
        {
            HostileTarget(draft, random);
            return;
        }
        var parameter = random.Pick(parameters);
        var real = draft.PathValues[parameter.Name];
        string value;
        switch (random.Next(6))
        {
            case 0:
                value = random.Pick(["%00", "a%00b", "%00" + real]);
                draft.KestrelMayAnswer = true; // Kestrel refuses a NUL in a path before any application code runs
                break;
            case 1:
                value = random.Pick(["..", ".", "%2e%2e", "..%2F..%2Fetc%2Fpasswd", "%2F", real + "%2F..", real + "%2F..%2F..%2Fadmin", "%5C..%5C", "~", "%20", "%"]);
                break;
            case 2:
                value = Uri.EscapeDataString(random.Pick(Hostile.Ids));
                break;
            case 3:
                value = random.Pick(["{" + real + "}", "(" + real + ")", real.Replace("-", ""), real.ToUpperInvariant(), real + "x", " " + real, real + ";x=1"]);
                value = Uri.EscapeDataString(value);
                break;
            case 4:
                value = new string('a', random.Pick([300, 5000]));
                break;
            default:
                value = Hostile.EncodedFor(parameter.Schema, random);
                if (value.Contains("%00")) draft.KestrelMayAnswer = true;
                break;
        }
        draft.PathValues[parameter.Name] = value;
    }

    private void HostileMember(Draft draft, Operation operation, Random random)
    {
        if (operation.Body?.Schema is not { Kind: Kind.Object } schema || schema.Properties.Count == 0)
        {
            draft.SetJson("{\"a\":" + random.Pick(Hostile.AnyJson) + "}");
            return;
        }
        // A leaf somewhere in the body, nested members included.
        var path = new List<string>();
        var at = schema;
        while (true)
        {
            var (name, member) = random.Pick(at.Properties.ToList());
            path.Add(name);
            if (member.Kind == Kind.Object && member.Properties.Count > 0 && random.Next(2) == 0) at = member;
            else
            {
                var body = new StringBuilder();
                Write(schema, 0);
                draft.Body = [];
                var bytes = Encoding.UTF8.GetBytes(body.ToString());
                var marker = Encoding.UTF8.GetBytes("\"\u0001HOSTILE\u0001\"");
                var index = bytes.AsSpan().IndexOf(marker);
                draft.Body = [.. bytes[..index], .. Hostile.ValueFor(member, random), .. bytes[(index + marker.Length)..]];
                draft.ContentType = "application/json";
                return;

                void Write(Schema s, int depth)
                {
                    body.Append('{');
                    var first = true;
                    foreach (var (n, m) in s.Properties)
                    {
                        var onPath = depth < path.Count && path[depth] == n;
                        if (!onPath && !s.Required.Contains(n)) continue;
                        if (!first) body.Append(',');
                        first = false;
                        body.Append(JsonSerializer.Serialize(n)).Append(':');
                        if (onPath && depth == path.Count - 1) body.Append("\"\u0001HOSTILE\u0001\"");
                        else if (onPath) Write(m, depth + 1);
                        else body.Append(ValidJson(m, n, random, depth + 1));
                    }
                    body.Append('}');
                }
            }
        }
    }

    private void HostileForm(Draft draft, Operation operation, Random random)
    {
        var names = operation.Body?.Schema.Properties.Keys.ToList() is { Count: > 0 } keys ? keys : ["name", "email"];
        var fields = names.Select(n => (n, Uri.EscapeDataString(n.Contains("mail") ? NewEmail() : "Ada"))).ToList();
        switch (random.Next(6))
        {
            case 0: fields.Add((random.Pick(names), Hostile.EncodedFor(Schema.Anything, random))); break;
            case 1: fields.AddRange(Enumerable.Range(0, 1100).Select(i => ($"f{i}", "x"))); break;
            case 2: fields.Add(("website", "http%3A%2F%2Fspam.example")); break;
            case 3: fields.Add((random.Pick(["%", "%zz", "a%00", "", "=", "&&"]), random.Pick(["%", "%FF", "%C3%28", "", "%00"]))); break;
            case 4: fields[0] = (fields[0].n, Uri.EscapeDataString(new string('x', 20_000))); break;
            default: break;
        }
        draft.Body = Encoding.UTF8.GetBytes(string.Join('&', fields.Select(f => f.Item1 + "=" + f.Item2)));
        draft.ContentType = random.Pick(["application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=UTF-8", "application/x-www-form-urlencoded; charset=iso-8859-1"]);
    }

    private void Multipart(Draft draft, Random random, bool hostile)
    {
        var boundary = "----fuzz" + random.Next(1_000_000);
        var file = hostile && random.Next(3) > 0 ? Hostile.ImportFile(random, NewEmail()) : Encoding.UTF8.GetBytes($"name,email\nAda Lovelace,{NewEmail()}\n");
        var fileName = hostile ? random.Pick(["people.csv", "people.json", "../../etc/passwd", "a\u0000.csv", new string('n', 5000) + ".csv", "é😀.csv", "", "people"]) : "people.csv";
        var partType = random.Pick(["text/csv", "application/json", "application/octet-stream", ""]);
        byte[] Part(string headers, byte[] content) => [.. Encoding.UTF8.GetBytes($"--{boundary}\r\n{headers}\r\n\r\n"), .. content, .. "\r\n"u8.ToArray()];
        byte[] FilePart() => Part($"Content-Disposition: form-data; name=\"file\"; filename=\"{fileName}\"" + (partType.Length > 0 ? $"\r\nContent-Type: {partType}" : ""), file);
        var end = Encoding.ASCII.GetBytes($"--{boundary}--\r\n");
        var contentType = $"multipart/form-data; boundary={boundary}";
        byte[] body = [.. FilePart(), .. end];
        if (hostile)
        {
            switch (random.Next(10))
            {
                case 0: contentType = "multipart/form-data"; break;
                case 1:
                    boundary = new string('b', random.Pick([71, 129, 300, 5000]));
                    contentType = $"multipart/form-data; boundary={boundary}";
                    body = [.. FilePart(), .. Encoding.ASCII.GetBytes($"--{boundary}--\r\n")];
                    break;
                case 2: body = [.. Part("Content-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\nX-Big: " + new string('h', 20_000), file), .. end]; break;
                case 3: body = [.. Part(string.Join("\r\n", Enumerable.Range(0, 40).Select(i => $"X-H{i}: v")) + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"", file), .. end]; break;
                case 4: body = [.. Enumerable.Range(0, 1100).SelectMany(i => Part($"Content-Disposition: form-data; name=\"f{i}\"", "x"u8.ToArray())), .. FilePart(), .. end]; break;
                case 5: body = FilePart(); break; // no closing boundary
                case 6: body = [.. Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n")]; break;
                case 7: contentType = "multipart/form-data; boundary=\"\""; break;
                case 8: body = [.. Part("Content-Disposition: form-data; name=\"file\"", file), .. end]; break;
                default: break;
            }
        }
        draft.Body = body;
        draft.ContentType = contentType;
    }

    private void HostileHeaders(Draft draft, Random random)
    {
        switch (random.Next(10))
        {
            case 0:
                draft.Headers.Add(("X-Note", random.Pick<byte[]>([[0xC3, 0xA9], [0xE9], [0xFF, 0xFE], [0xC0, 0xAF], [0xF0, 0x9F, 0x98, 0x80], [0xED, 0xA0, 0x80]])));
                break;
            case 1:
                draft.Headers.Add((random.Pick(["User-Agent", "Accept-Language", "Referer", "Origin", "If-Match", "Cookie"]), "caf\u00e9 \u00fc"u8.ToArray()));
                break;
            case 2:
                draft.Header(random.Pick(["X-Long", "User-Agent", "Cookie", "Referer"]), new string('h', random.Pick([9_000, 40_000, 100_000, 600_000])));
                if (draft.Headers.Last().Value.Length > 500_000) draft.KestrelMayAnswer = true;
                break;
            case 3:
                for (var i = 0; i < random.Pick([50, 150, 1500]); i++) draft.Header($"X-Many-{i}", "v");
                if (draft.Headers.Count > 1000) draft.KestrelMayAnswer = true;
                break;
            case 4:
                draft.Header("Idempotency-Key", random.Pick(["", " ", new string('k', 300), "k\u0001y", "clé", "a b", Guid.NewGuid().ToString()]));
                break;
            case 5:
                draft.Headers.RemoveAll(h => h.Name == "X-Correlation-Id");
                draft.Header("X-Correlation-Id", random.Pick(["", new string('c', 100), "a\u0001b", "<script>", "a b", "../..", "%00"]));
                break;
            case 6:
                draft.Header("If-Match", random.Pick(["\"abc\"", "W/\"1\"", "*", "-1", "99999999999", "\"\"", "1,2"]));
                break;
            case 7:
                draft.Header("Accept", random.Pick(["text/csv", "image/png", "image/svg+xml", "application/xml", "*/*;q=0", "text/html", "application/problem+json", "garbage", "", "image/png, text/csv"]));
                break;
            case 8:
                draft.Header(random.Pick(["Host", "Content-Length", "Transfer-Encoding", "Expect", "Connection"]), random.Pick(["", "x y", "-1", "100-continue", "close", "\u00e9.example"]));
                draft.KestrelMayAnswer = true; // framing and host headers are Kestrel's to refuse
                break;
            default:
                draft.Header("X-Ctl", random.Pick(["a\u0001b", "\u007f", "a\tb", "\u001b[31m"]));
                break;
        }
    }

    private static void HostileTarget(Draft draft, Random random)
    {
        var path = draft.PathValues.Aggregate(draft.PathTemplate, (p, v) => p.Replace("{" + v.Key + "}", v.Value));
        var (target, kestrel) = random.Next(12) switch
        {
            0 => (path.Replace("/api/", "/api/../api/"), false),
            1 => (path.Replace("/api/", "//api//"), false),
            2 => (path.ToUpperInvariant(), false),
            3 => (path + "/", false),
            4 => (path + ";jsessionid=1", false),
            5 => (path.Replace("/api/", "/api/%2e%2e/api/"), false),
            6 => ("http://127.0.0.1" + path, false),
            7 => (path + "#fragment", true),
            8 => ("*", true),
            9 => (path + "/é😀", true), // raw bytes beyond ASCII in a request target: Kestrel refuses them itself
            10 => (path.Replace("/api/", "/api/..%2F"), false),
            _ => (path + "%", false),
        };
        draft.RawTarget = target;
        draft.KestrelMayAnswer |= kestrel;
    }
}
