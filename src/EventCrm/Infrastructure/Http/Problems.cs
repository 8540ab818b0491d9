using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace EventCrm.Infrastructure.Http;

/// <summary>
/// The RFC 9457 problem types the API answers with. Each has a stable <c>type</c> URI that clients can switch on;
/// docs/api.md lists them.
/// </summary>
public static class Problems
{
    public const string ValidationType = "urn:eventcrm:problem:validation";
    public const string StaleVersionType = "urn:eventcrm:problem:stale-version";
    public const string RuleViolationType = "urn:eventcrm:problem:rule-violation";
    public const string NotFoundType = "urn:eventcrm:problem:not-found";
    public const string StoreUnavailableType = "urn:eventcrm:problem:store-unavailable";

    /// <summary>What a 503 tells the client to wait: about as long as a database restart or a failover's first step.</summary>
    public const int StoreUnavailableRetrySeconds = 2;

    /// <summary>Nothing wrong: Wolverine continues with the endpoint.</summary>
    public static ProblemDetails None => WolverineContinue.NoProblems;

    /// <summary>The first problem of several, or none: checks listed in the order a client should fix them.</summary>
    public static ProblemDetails FirstOf(params ProblemDetails[] problems) =>
        problems.FirstOrDefault(p => p != None) ?? None;

    public static ProblemDetails Validation(IDictionary<string, string[]> errors) =>
        new HttpValidationProblemDetails(errors)
        {
            Type = ValidationType,
            Title = "The request is invalid.",
            Status = StatusCodes.Status400BadRequest,
            Detail = "See 'errors' for the fields to correct.",
        };

    public static ProblemDetails RuleViolation(string title, string detail, IDictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails
        {
            Type = RuleViolationType,
            Title = title,
            Status = StatusCodes.Status422UnprocessableEntity,
            Detail = detail,
        };
        foreach (var (key, value) in extensions ?? new Dictionary<string, object?>())
            problem.Extensions[key] = value;
        return problem;
    }

    /// <summary>
    /// A rule the database holds inside the commit itself (a claim on a unique value, written in the same batch as the
    /// events, instead of a look-up before them) refuses with the key's error and, in its hint, the problem for people
    /// as JSON: <c>title</c>, <c>detail</c> and any extensions. Null when the error carries none.
    /// </summary>
    public static ProblemDetails? RefusedInCommit(Npgsql.PostgresException refusal)
    {
        if (refusal.Hint is not { Length: > 1 } hint || hint[0] != '{') return null;
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(hint);
            var root = json.RootElement;
            if (root.TryGetProperty("title", out var title) is false || root.TryGetProperty("detail", out var detail) is false) return null;
            var extensions = root.EnumerateObject().Where(p => p.Name is not ("title" or "detail"))
                .ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
            return RuleViolation(title.GetString() ?? "", detail.GetString() ?? "", extensions);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    public const int MaxText = 1_000;
    public const int MaxFields = 50;

    /// <summary>
    /// Every problem, as it is written: a message that quotes what the client sent is cut at <see cref="MaxText"/>
    /// characters and at most <see cref="MaxFields"/> fields are named, so that a hostile megabyte is never handed
    /// back (nor logged) whichever check quoted it.
    /// </summary>
    public static void Bound(ProblemDetails problem)
    {
        problem.Title = Cut(problem.Title);
        problem.Detail = Cut(problem.Detail);
        problem.Instance = Cut(problem.Instance);
        if (problem is not HttpValidationProblemDetails { Errors: var errors }) return;
        var kept = errors.Take(MaxFields).Select(e => (Cut(e.Key)!, e.Value.Take(10).Select(m => Cut(m)!).ToArray())).ToList();
        var left = errors.Count - kept.Count;
        errors.Clear();
        foreach (var (field, messages) in kept) errors[field] = messages;
        if (left > 0) problem.Detail = $"See 'errors' for the fields to correct: the first {MaxFields}, and {left:N0} more.";
    }

    private static string? Cut(string? text) => text is { Length: > MaxText } ? text[..MaxText] + "…" : text;

    public static ProblemDetails NotFound(string detail) => new()
    {
        Type = NotFoundType,
        Title = "Not found.",
        Status = StatusCodes.Status404NotFound,
        Detail = detail,
    };
}

/// <summary>Collects per-field errors for a 400 answer; field names are the JSON (camelCase) names.</summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = new();

    public bool Any => _errors.Count > 0;

    public FieldErrors Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var messages))
            _errors[field] = messages = [];
        messages.Add(message);
        return this;
    }

    /// <summary>A required, single-line text of at most <paramref name="maxLength"/> characters.</summary>
    public FieldErrors RequireText(string field, string? value, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value))
            return Add(field, $"'{field}' is required.");
        return OptionalText(field, value, maxLength);
    }

    public FieldErrors OptionalText(string field, string? value, int maxLength)
    {
        if (value is null) return this;
        if (value.Length > maxLength)
            Add(field, $"'{field}' must be at most {maxLength} characters.");
        if (value.Any(char.IsControl))
            Add(field, $"'{field}' must not contain control characters.");
        else if (value.Any(c => IsBidiControl(c) || IsInvisible(c)))
            Add(field, $"'{field}' must not contain invisible or text-direction characters (they can make one name look like another).");
        return this;
    }

    /// <summary>
    /// Characters that reorder how text is shown (bidirectional embeddings, overrides, isolates and marks): in a
    /// name they can make one look like another in lists and exports.
    /// </summary>
    public static bool IsBidiControl(char c) => c is '\u061C' or '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');

    /// <summary>
    /// Zero-width characters that carry no letter (zero-width space, word joiner, byte-order mark). The zero-width
    /// joiner and non-joiner are letters' business in Persian, Indic scripts and emoji, and are allowed.
    /// </summary>
    public static bool IsInvisible(char c) => c is '\u200B' or '\u2060' or '\uFEFF' or '\u180E';

    public FieldErrors RequireMultilineText(string field, string? value, int maxLength) =>
        string.IsNullOrWhiteSpace(value) ? Add(field, $"'{field}' is required.") : OptionalMultilineText(field, value, maxLength);

    /// <summary>Free text that may span lines (tabs and line breaks allowed, other control characters not).</summary>
    public FieldErrors OptionalMultilineText(string field, string? value, int maxLength)
    {
        if (value is null) return this;
        if (value.Length > maxLength)
            Add(field, $"'{field}' must be at most {maxLength} characters.");
        if (value.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')))
            Add(field, $"'{field}' must not contain control characters.");
        else if (value.Any(c => c is (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069')))
            Add(field, $"'{field}' must not contain text-direction overrides or isolates.");
        return this;
    }

    public FieldErrors RequireExpectedVersion(int version)
    {
        if (version < 1)
            Add("version", "'version' is required: the version of the record you read (1 or more).");
        return this;
    }

    public ProblemDetails ToProblem() =>
        Any ? Problems.Validation(_errors.ToDictionary(x => x.Key, x => x.Value.ToArray())) : Problems.None;
}
