using System.Text.Json;
using System.Text.RegularExpressions;

namespace EventCrm.Fuzz;

/// <summary>A rule an answer broke, with what is needed to make the request again.</summary>
public sealed record Finding(string Rule, Case Case, WireResponse? Response, string Detail)
{
    /// <summary>Findings of one rule on one operation (and the status it answered) are one problem.</summary>
    public string Signature => $"{Rule} · {Case.Operation} · {Response?.Status.ToString() ?? "no answer"}";
}

/// <summary>
/// What every answer to a hostile request must be: prompt, never a 5xx, an error in the house problem shape with
/// nothing internal in it, the right status for the token it came with, and nothing stored when it was refused.
/// </summary>
public static partial class Verdict
{
    /// <summary>What the answers must never name: .NET types and namespaces, generic type names, stack frames.</summary>
    [GeneratedRegex(@"EventCrm\.|System\.|Microsoft\.(AspNetCore|Extensions)|Npgsql|Marten|Wolverine|JasperFx|Weasel|`\d\[|\bat [A-Z]\w*(\.\w+)+\(|\b\w*Exception\b")]
    private static partial Regex Internal();

    public const int MaxProblemBytes = 64 * 1024;

    /// <summary>Requests Kestrel answers by itself, before any application code, always the same way: a status, no body.</summary>
    public static bool IsKestrelsOwn(WireResponse response) =>
        response.Body.Length == 0 && response.Status is 400 or 405 or 413 or 414 or 431 or 505 && response.Header("Content-Type") is null;

    public static IEnumerable<Finding> Judge(Case c, WireResponse response)
    {
        var status = response.Status;
        if (status >= 500)
            yield return new Finding("5xx", c, response, "A hostile request is the client's mistake, never a server error.");

        var head = c.Request.Method == "HEAD";
        if (status >= 400 && !(c.KestrelMayAnswer && IsKestrelsOwn(response)))
        {
            var contentType = response.Header("Content-Type") ?? "";
            // The public pages people open from an e-mail (unsubscribe, confirm, a tracked link) answer a browser
            // that asks for HTML with a page that says what went wrong; everyone else gets a problem.
            var pageForPeople = c.Operation.IsPublic && contentType.StartsWith("text/html", StringComparison.OrdinalIgnoreCase)
                                && (c.Request.HeaderValue("Accept") ?? "").Contains("text/html", StringComparison.OrdinalIgnoreCase);
            if (pageForPeople && response.Text.Contains("<title>", StringComparison.Ordinal)) { /* a page with its message */ }
            else if (!contentType.StartsWith("application/problem+json", StringComparison.OrdinalIgnoreCase))
                yield return new Finding("not a problem", c, response, $"An error must be application/problem+json; it was '{contentType}'.");
            else if (!head && Problem(response) is { } shape)
                yield return new Finding("malformed problem", c, response, shape);
        }

        // An error says what is wrong; it does not hand a client's megabytes back (nor store them in an event).
        if (status >= 400 && response.Body.Length > MaxProblemBytes)
            yield return new Finding("oversized problem", c, response, $"An error answer of {response.Body.Length:N0} bytes; at most {MaxProblemBytes:N0} are needed to say what is wrong.");

        if (status >= 400 && Internal().Match(response.Text) is { Success: true } leak && !Echoed(leak.Value, c.Request))
            yield return new Finding("internal name", c, response, $"The answer names '{leak.Value}'.");

        if (!c.Operation.IsPublic && !(c.KestrelMayAnswer && IsKestrelsOwn(response)))
        {
            var refusedBeforeAuth = status is 404 or 405 or 414 or 415 or 431;
            switch (c.Token)
            {
                case TokenUse.None or TokenUse.Expired or TokenUse.Forged when status != 401 && !refusedBeforeAuth:
                    yield return new Finding("token", c, response, $"Without a valid token ({c.Token}) the answer must be 401.");
                    break;
                // A request sent with another method may reach another operation (GET and POST /api/customers) with roles of its own.
                case TokenUse.OtherRole or TokenUse.Allowed when !SameOperation(c):
                    break;
                case TokenUse.OtherRole when status != 403 && !refusedBeforeAuth:
                    yield return new Finding("role", c, response, $"Role '{c.Role}' is not one the operation takes: the answer must be 403.");
                    break;
                case TokenUse.Allowed when status == 401 || (status == 403 && ProblemType(response) != "urn:eventcrm:problem:not-owner"):
                    yield return new Finding("role", c, response, $"Role '{c.Role}' is one the operation takes, yet the answer was {status}.");
                    break;
            }
        }
    }

    /// <summary>A refused request appended an event (other than one a message handler appended meanwhile) or left a stored file.</summary>
    public static IEnumerable<Finding> JudgeStore(Case c, WireResponse response, StoreMark before, StoreMark after, IReadOnlyList<AppendedEvent> appended)
    {
        if (response.Status < 400) yield break;
        var own = appended.Where(e => !e.InTheBackground).ToList();
        if (after.LastSequence != before.LastSequence && own.Count > 0)
            yield return new Finding("stored events", c, response,
                $"A refused request appended {own.Count} event(s): {string.Join("; ", own.Take(5))}.");
        if (after.FilePieces != before.FilePieces)
            yield return new Finding("stored file", c, response,
                $"A refused request changed the stored import file pieces from {before.FilePieces} to {after.FilePieces}.");
    }

    private static bool SameOperation(Case c) =>
        c.Request.Method == c.Operation.Method || (c.Request.Method == "HEAD" && c.Operation.Method == "GET");

    private static string? Problem(WireResponse response)
    {
        try
        {
            using var document = JsonDocument.Parse(response.Body);
            var problem = document.RootElement;
            if (problem.ValueKind != JsonValueKind.Object) return "The problem is not a JSON object.";
            if (!problem.TryGetProperty("status", out var s) || s.ValueKind != JsonValueKind.Number || s.GetInt32() != response.Status)
                return $"The problem's 'status' is not {response.Status}.";
            if (!problem.TryGetProperty("title", out var title) || title.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(title.GetString()))
                return "The problem has no 'title'.";
            return null;
        }
        catch (JsonException e)
        {
            return $"The problem is not JSON: {e.Message}";
        }
    }

    private static string? ProblemType(WireResponse response)
    {
        try
        {
            using var document = JsonDocument.Parse(response.Body);
            return document.RootElement.TryGetProperty("type", out var type) ? type.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool Echoed(string leak, WireRequest request) =>
        request.Target.Contains(leak, StringComparison.Ordinal)
        || System.Text.Encoding.UTF8.GetString(request.Body).Contains(leak, StringComparison.Ordinal);
}
