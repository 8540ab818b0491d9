using System.Text.RegularExpressions;
using EventCrm.Infrastructure.Http;

namespace EventCrm.Customers;

/// <summary>Tags are short lower-case labels: letters, digits, '-', '_', ':' and single spaces.</summary>
public static partial class Tags
{
    public const int MaxLength = 50;
    public const int MaxPerCustomer = 50;

    public static string Normalise(string tag) => ContactDetails.NormaliseName(tag).ToLowerInvariant();

    public static IReadOnlyList<string> NormaliseAll(IEnumerable<string>? tags) =>
        [.. (tags ?? []).Select(Normalise).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    public static FieldErrors CheckTags(this FieldErrors errors, string field, IReadOnlyList<string>? tags)
    {
        if (tags is null) return errors;
        if (tags.Count > MaxPerCustomer)
            return errors.Add(field, $"At most {MaxPerCustomer} tags.");
        foreach (var tag in tags)
        {
            if (tag is null || !Allowed().IsMatch(Normalise(tag)))
                errors.Add(field, $"'{Truncate(tag)}' is not a tag: 1-{MaxLength} letters, digits, '-', '_', ':' or spaces.");
        }
        return errors;
    }

    private static string Truncate(string? tag) => tag is null ? "null" : tag.Length <= 20 ? tag : tag[..20] + "…";

    [GeneratedRegex(@"^[\p{Ll}\p{Lo}\p{Nd}_:-]([\p{Ll}\p{Lo}\p{Nd} _:-]{0,48}[\p{Ll}\p{Lo}\p{Nd}_:-])?$")]
    private static partial Regex Allowed();
}
