using System.Globalization;
using System.Text.Json;
using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using EventCrm.Models;

namespace EventCrm.Marketing;

public enum AudienceKind { Static, Dynamic }

/// <summary>
/// Who belongs to a dynamic audience, as a tree: a group of conditions that must all hold (<c>all</c>) or of which
/// one must (<c>any</c>), or one condition on a field of the customer's profile or scores (<c>field</c>, <c>op</c>,
/// <c>value</c>). Stored as cleaned, so the stored filter is the one that is evaluated.
/// </summary>
public sealed record AudienceFilter(
    IReadOnlyList<AudienceFilter>? All = null,
    IReadOnlyList<AudienceFilter>? Any = null,
    string? Field = null,
    string? Op = null,
    JsonElement? Value = null)
{
    public const int MaxDepth = 6;
    public const int MaxConditions = 50;

    /// <summary>The filter with its values in stored form (country codes, lower-case tags and purposes), and what is wrong with it.</summary>
    public static AudienceFilter? Clean(AudienceFilter? filter, FieldErrors errors, string path = "filter")
    {
        if (filter is null)
        {
            errors.Add(path, $"'{path}' is required for a dynamic audience: a condition or an 'all'/'any' group.");
            return null;
        }
        var count = 0;
        var cleaned = Clean(filter, errors, path, 1, ref count);
        if (count > MaxConditions) errors.Add(path, $"A filter has at most {MaxConditions} conditions.");
        return cleaned;
    }

    private static AudienceFilter? Clean(AudienceFilter node, FieldErrors errors, string path, int depth, ref int count)
    {
        if (depth > MaxDepth)
        {
            errors.Add(path, $"Groups nest at most {MaxDepth} deep.");
            return null;
        }
        var shapes = (node.All is not null ? 1 : 0) + (node.Any is not null ? 1 : 0) + (node.Field is not null ? 1 : 0);
        if (shapes != 1)
        {
            errors.Add(path, "Each part of a filter is one of: {\"all\": [...]}, {\"any\": [...]} or {\"field\", \"op\", \"value\"}.");
            return null;
        }
        if (node.All is { } all || node.Any is not null)
        {
            var members = node.All ?? node.Any!;
            var name = node.All is not null ? "all" : "any";
            if (members.Count == 0) errors.Add($"{path}.{name}", $"'{name}' needs at least one condition.");
            var cleaned = new List<AudienceFilter>();
            for (var i = 0; i < members.Count; i++)
                if (members[i] is null) errors.Add($"{path}.{name}[{i}]", "A part of a filter cannot be null.");
                else if (Clean(members[i], errors, $"{path}.{name}[{i}]", depth + 1, ref count) is { } member) cleaned.Add(member);
            return node.All is not null ? new AudienceFilter(All: cleaned) : new AudienceFilter(Any: cleaned);
        }
        count++;
        return AudienceFields.CleanCondition(node, errors, path);
    }

    /// <summary>The filter as a predicate, with the fields it reads.</summary>
    public CompiledFilter Compile()
    {
        var fields = new SortedSet<string>(StringComparer.Ordinal);
        return new CompiledFilter(Build(this, fields), fields);
    }

    private static Func<AudienceCandidate, bool> Build(AudienceFilter node, ISet<string> fields)
    {
        if (node.All is { } all)
        {
            var parts = all.Select(n => Build(n, fields)).ToArray();
            return c => parts.All(p => p(c));
        }
        if (node.Any is { } any)
        {
            var parts = any.Select(n => Build(n, fields)).ToArray();
            return c => parts.Any(p => p(c));
        }
        fields.Add(node.Field!);
        return AudienceFields.Predicate(node);
    }
}

/// <summary>A filter ready to evaluate: its predicate, and the fields it reads (recorded with each decision).</summary>
public sealed record CompiledFilter(Func<AudienceCandidate, bool> Matches, IReadOnlySet<string> Fields)
{
    public bool UsesScores => Fields.Any(f => AudienceFields.Spec(f)!.FromScores);
    public bool DependsOnDate => Fields.Any(f => AudienceFields.Spec(f)!.DependsOnDate);

    /// <summary>The values this filter saw for the candidate: what an auditor needs to see why it decided so.</summary>
    public IReadOnlyDictionary<string, string> Evidence(AudienceCandidate candidate) =>
        Fields.ToDictionary(f => f, f => AudienceFields.Spec(f)!.Describe(candidate), StringComparer.Ordinal);
}

/// <summary>One customer as a filter sees it: the profile, the latest scores, and today.</summary>
public sealed record AudienceCandidate(CustomerProfile Profile, CustomerScore? Score, DateTimeOffset Now)
{
    public int? Age
    {
        get
        {
            var today = DateOnly.FromDateTime(Now.UtcDateTime);
            return Profile.BirthDate is { } born
                ? today.Year - born.Year - (today < born.AddYears(today.Year - born.Year) ? 1 : 0)
                : today.Year - Profile.BirthYear;
        }
    }

    public int? DaysSinceLastPurchase =>
        Profile.LastPurchaseAt is { } last ? Math.Max(0, (int)(Now - last).TotalDays) : null;

    /// <summary>Only active customers belong to audiences: inactive, merged and erased ones leave.</summary>
    public bool IsActive => Profile.Status == CustomerStatus.Active;
}

internal enum FieldType { Text, Number, Tags, Consent }

internal sealed record FieldSpec(string Name, FieldType Type, Func<AudienceCandidate, object?> Read,
    bool FromScores = false, bool DependsOnDate = false, Func<string, string?>? Normalise = null)
{
    public string Describe(AudienceCandidate candidate)
    {
        var value = Read(candidate);
        var text = value switch
        {
            null => "unknown",
            IEnumerable<string> list => string.Join(",", list),
            IEnumerable<ConsentDecision> consents => string.Join(",", consents.Where(c => c.Channel == ConsentChannel.Email && c.Granted).Select(c => c.Purpose)),
            double d => d.ToString("0.####", CultureInfo.InvariantCulture),
            decimal m => m.ToString(CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        // A score is only evidence with the model version that produced it.
        return Name switch
        {
            "churnRisk" when candidate.Score?.ChurnVersion is { } v && value is not null => $"{text} (churn v{v})",
            "segment" when candidate.Score?.SegmentsVersion is { } v && value is not null => $"{text} (segments v{v})",
            _ => text,
        };
    }
}

/// <summary>The fields a filter may name, their operators, and how a value is compared.</summary>
internal static class AudienceFields
{
    private static readonly FieldSpec[] Specs =
    [
        new("country", FieldType.Text, c => c.Profile.Country, Normalise: Demographic.NormaliseCountry),
        new("region", FieldType.Text, c => c.Profile.Region),
        new("industry", FieldType.Text, c => c.Profile.Industry),
        new("tags", FieldType.Tags, c => c.Profile.Tags, Normalise: t => Tags.Normalise(t)),
        new("age", FieldType.Number, c => c.Age, DependsOnDate: true),
        new("annualIncome", FieldType.Number, c => c.Profile.AnnualIncome),
        new("totalSpent", FieldType.Number, c => c.Profile.TotalSpent),
        new("purchaseCount", FieldType.Number, c => c.Profile.PurchaseCount),
        new("daysSinceLastPurchase", FieldType.Number, c => c.DaysSinceLastPurchase, DependsOnDate: true),
        new("segment", FieldType.Text, c => c.Score?.SegmentName, FromScores: true),
        new("churnRisk", FieldType.Number, c => c.Score?.ChurnRisk, FromScores: true),
        new("consent", FieldType.Consent, c => c.Profile.Consents, Normalise: Consent.NormalisePurpose),
    ];

    private static readonly Dictionary<FieldType, string[]> Operators = new()
    {
        [FieldType.Text] = ["eq", "ne", "in", "notIn", "exists", "missing"],
        [FieldType.Number] = ["eq", "ne", "gt", "gte", "lt", "lte", "between", "exists", "missing"],
        [FieldType.Tags] = ["contains", "notContains", "exists", "missing"],
        [FieldType.Consent] = ["granted", "notGranted"],
    };

    public static IReadOnlyList<string> Names => [.. Specs.Select(s => s.Name)];

    public static FieldSpec? Spec(string name) => Specs.FirstOrDefault(s => s.Name == name);

    public static AudienceFilter? CleanCondition(AudienceFilter node, FieldErrors errors, string path)
    {
        if (Spec(node.Field!) is not { } spec)
        {
            errors.Add($"{path}.field", $"'{node.Field}' is not a field of audiences. Fields: {string.Join(", ", Names)}.");
            return null;
        }
        var ops = Operators[spec.Type];
        if (node.Op is null || !ops.Contains(node.Op))
        {
            errors.Add($"{path}.op", $"'{spec.Name}' takes the operators {string.Join(", ", ops)}.");
            return null;
        }
        if (node.Op is "exists" or "missing") return node with { Value = null };

        JsonElement? value = (spec.Type, node.Op) switch
        {
            (FieldType.Number, "between") => Numbers(node.Value, 2, errors, path),
            (FieldType.Number, _) => Numbers(node.Value, 1, errors, path),
            (FieldType.Text, "in" or "notIn") or (FieldType.Tags, _) => Texts(node.Value, spec, errors, path, many: true),
            _ => Texts(node.Value, spec, errors, path, many: false),
        };
        return value is null ? null : node with { Value = value };
    }

    private static JsonElement? Numbers(JsonElement? value, int count, FieldErrors errors, string path)
    {
        var numbers = value switch
        {
            { ValueKind: JsonValueKind.Number } one when count == 1 => [one],
            { ValueKind: JsonValueKind.Array } many when many.GetArrayLength() == count && many.EnumerateArray().All(v => v.ValueKind == JsonValueKind.Number) => many.EnumerateArray().ToArray(),
            _ => null,
        };
        if (numbers is null)
        {
            errors.Add($"{path}.value", count == 1 ? "'value' must be a number." : "'value' must be [lowest, highest], two numbers.");
            return null;
        }
        if (count == 2 && numbers[0].GetDouble() > numbers[1].GetDouble())
        {
            errors.Add($"{path}.value", "The lowest value cannot be more than the highest.");
            return null;
        }
        return count == 1 ? JsonSerializer.SerializeToElement(numbers[0].GetDouble()) : JsonSerializer.SerializeToElement(numbers.Select(n => n.GetDouble()));
    }

    private static JsonElement? Texts(JsonElement? value, FieldSpec spec, FieldErrors errors, string path, bool many)
    {
        var texts = value switch
        {
            { ValueKind: JsonValueKind.String } one => [one.GetString()!],
            { ValueKind: JsonValueKind.Array } list when many && list.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String) => list.EnumerateArray().Select(v => v.GetString()!).ToArray(),
            _ => null,
        };
        if (texts is null || texts.Length == 0 || texts.Any(t => string.IsNullOrWhiteSpace(t) || t.Length > 100))
        {
            errors.Add($"{path}.value", many ? "'value' must be a text or a list of texts (1-100 characters each)." : "'value' must be a text of 1-100 characters.");
            return null;
        }
        var cleaned = new List<string>();
        foreach (var text in texts)
        {
            var normal = spec.Normalise is null ? text.Trim() : spec.Normalise(text);
            if (normal is null)
            {
                errors.Add($"{path}.value", $"'{text}' is not a valid {spec.Name} (countries are ISO 3166 codes or English names).");
                return null;
            }
            cleaned.Add(normal);
        }
        return many ? JsonSerializer.SerializeToElement(cleaned.Distinct().ToArray()) : JsonSerializer.SerializeToElement(cleaned[0]);
    }

    /// <summary>Unknown values (no income, never bought) match only 'missing' (and 'notContains'/'notGranted').</summary>
    public static Func<AudienceCandidate, bool> Predicate(AudienceFilter condition)
    {
        var spec = Spec(condition.Field!)!;
        var op = condition.Op!;
        if (op == "exists") return c => HasValue(spec.Read(c));
        if (op == "missing") return c => !HasValue(spec.Read(c));

        switch (spec.Type)
        {
            case FieldType.Number:
            {
                var values = Values(condition.Value!.Value).Select(v => v.GetDouble()).ToArray();
                Func<double, bool> test = op switch
                {
                    "eq" => v => v == values[0],
                    "ne" => v => v != values[0],
                    "gt" => v => v > values[0],
                    "gte" => v => v >= values[0],
                    "lt" => v => v < values[0],
                    "lte" => v => v <= values[0],
                    _ => v => v >= values[0] && v <= values[1],
                };
                return c => Number(spec.Read(c)) is { } v && test(v);
            }
            case FieldType.Text:
            {
                var texts = Values(condition.Value!.Value).Select(v => v.GetString()!).ToHashSet(StringComparer.OrdinalIgnoreCase);
                return op switch
                {
                    "eq" or "in" => c => spec.Read(c) is string v && texts.Contains(v),
                    _ => c => spec.Read(c) is string v && !texts.Contains(v),
                };
            }
            case FieldType.Tags:
            {
                var tags = Values(condition.Value!.Value).Select(v => v.GetString()!).ToArray();
                return op == "contains"
                    ? c => spec.Read(c) is IEnumerable<string> have && tags.Any(have.Contains)
                    : c => spec.Read(c) is not IEnumerable<string> have || !tags.Any(have.Contains);
            }
            default:
            {
                var purpose = Values(condition.Value!.Value).First().GetString()!;
                return op == "granted"
                    ? c => Consent.IsGranted(c.Profile.Consents, ConsentChannel.Email, purpose)
                    : c => !Consent.IsGranted(c.Profile.Consents, ConsentChannel.Email, purpose);
            }
        }
    }

    private static IEnumerable<JsonElement> Values(JsonElement value) =>
        value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : [value];

    private static bool HasValue(object? value) => value switch
    {
        null => false,
        IEnumerable<string> list => list.Any(),
        _ => true,
    };

    private static double? Number(object? value) => value switch
    {
        int i => i,
        double d => d,
        decimal m => (double)m,
        _ => null,
    };
}
