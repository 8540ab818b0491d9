namespace EventCrm.Fuzz;

/// <summary>Which documented operation a request reaches once the server has normalised its path and routed it.</summary>
public static class Routes
{
    /// <summary>
    /// The operation a request reaches, to be judged by its own roles, not by those of the one it was made from: a
    /// changed method may name another operation on the same path (GET and POST /api/leads), and a path value of
    /// <c>.</c> or <c>..</c> (or <c>%2e</c>) is a dot segment the server removes before routing, so
    /// <c>GET /api/marketing/campaigns/./history</c> is <c>GET /api/marketing/campaigns/{campaignId}</c> for "history".
    /// A request that reaches no documented operation keeps the one it was made from: it can only be a 404 or 405.
    /// </summary>
    public static Operation Reached(IEnumerable<Operation> operations, Operation made, string method, string target) =>
        Routed(operations, method, target, made) ?? made;

    /// <summary>The documented operation routing gives a request, or none (then the answer is a 404 or 405).</summary>
    public static Operation? Routed(IEnumerable<Operation> operations, string method, string target, Operation? made = null)
    {
        var segments = Normalised(target);
        return operations
            .Where(o => o.Method == method && Matches(o.Path, segments))
            .OrderByDescending(o => o.Path.Split('/').Count(s => !s.StartsWith('{'))) // literal segments win, as in routing
            .ThenByDescending(o => o == made)
            .FirstOrDefault();
    }

    /// <summary>The path's segments as routing sees them: dots decoded, dot segments removed (RFC 3986, 5.2.4).</summary>
    public static List<string> Normalised(string target)
    {
        var segments = new List<string>();
        foreach (var raw in target.Split('?')[0].Split('/').Skip(1))
        {
            switch (raw.Replace("%2e", ".", StringComparison.OrdinalIgnoreCase))
            {
                case ".": continue;
                case "..": if (segments.Count > 0) segments.RemoveAt(segments.Count - 1); continue;
                default: segments.Add(raw); break;
            }
        }
        return segments;
    }

    private static bool Matches(string template, List<string> segments)
    {
        var parts = template.Split('/').Skip(1).ToList();
        return parts.Count == segments.Count && parts.Zip(segments).All(p =>
            p.First.StartsWith('{') ? p.Second.Length > 0 : string.Equals(p.First, p.Second, StringComparison.OrdinalIgnoreCase));
    }
}
