using System.Globalization;
using EventCrm.Customers;

namespace EventCrm.Imports;

/// <summary>
/// How a text value from a file becomes a typed one. A value that does not convert is an error naming the
/// field and what was expected, never a guess; an empty value is "not given", never invented.
/// </summary>
public sealed class Cleaning(CultureInfo culture, List<RowError> errors)
{
    private static readonly string[] IsoDates = ["yyyy-MM-dd", "yyyyMMdd", "yyyy/MM/dd", "yyyy.MM.dd"];
    private static readonly string[] IsoTimes =
        ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd'T'HH:mm"];

    public CultureInfo Culture => culture;

    public List<RowError> Errors => errors;

    /// <summary>Trimmed, inner whitespace collapsed; null when empty.</summary>
    public static string? Text(string? value) =>
        string.IsNullOrWhiteSpace(value) ? null : ContactDetails.NormaliseName(value);

    /// <summary>
    /// Each word written all in capitals or all in small letters is capitalised ("JOHN smith" becomes "John
    /// Smith"); a word already in mixed case ("McDonald", "DeVito") is kept as written.
    /// </summary>
    public string? Name(string? value) =>
        Text(value) is { } text
            ? string.Join(' ', text.Split(' ').Select(word =>
            {
                var letters = word.Where(char.IsLetter).ToList();
                return letters.All(char.IsUpper) || letters.All(char.IsLower) ? Capitalised(word.ToLower(culture)) : word;
            }))
            : null;

    /// <summary>A capital at the start and after an apostrophe or hyphen: "o'neil" is "O'Neil", "jean-luc" is "Jean-Luc".</summary>
    private string Capitalised(string word)
    {
        var letters = word.ToCharArray();
        for (var i = 0; i < letters.Length; i++)
            if (i == 0 || letters[i - 1] is '\'' or '-' or '’')
                letters[i] = culture.TextInfo.ToUpper(letters[i]);
        return new string(letters);
    }

    public int? Integer(string field, string? value)
    {
        var text = Text(value);
        if (text is null) return null;
        if (int.TryParse(text, NumberStyles.Integer | NumberStyles.AllowThousands, culture, out var number)) return number;
        errors.Add(new RowError(field, $"'{text}' is not a whole number."));
        return null;
    }

    /// <summary>A number written the way the import's culture writes it ("1.234,50" in de-DE), currency signs allowed.</summary>
    public decimal? Decimal(string field, string? value)
    {
        var text = Text(value);
        if (text is null) return null;
        var stripped = new string([.. text.Where(c => !char.IsWhiteSpace(c) && char.GetUnicodeCategory(c) != UnicodeCategory.CurrencySymbol)]);
        if (decimal.TryParse(stripped, NumberStyles.Number, culture, out var number)) return number;
        errors.Add(new RowError(field, $"'{text}' is not a number as written in {culture.Name} (e.g. {1234.5m.ToString("N2", culture)})."));
        return null;
    }

    /// <summary>ISO 8601 (yyyy-MM-dd) first, then the culture's own way of writing dates.</summary>
    public DateOnly? Date(string field, string? value)
    {
        var text = Text(value);
        if (text is null) return null;
        if (DateOnly.TryParseExact(text, IsoDates, CultureInfo.InvariantCulture, DateTimeStyles.None, out var iso)) return iso;
        if (DateOnly.TryParse(text, culture, DateTimeStyles.None, out var local)) return local;
        if (DateTime.TryParse(text, culture, DateTimeStyles.None, out var withTime) && withTime.TimeOfDay == TimeSpan.Zero)
            return DateOnly.FromDateTime(withTime);
        errors.Add(new RowError(field, $"'{text}' is not a date (yyyy-MM-dd, or {culture.DateTimeFormat.ShortDatePattern} in {culture.Name})."));
        return null;
    }

    /// <summary>An instant: ISO 8601 with or without offset, or the culture's date and time; without an offset, UTC.</summary>
    public DateTimeOffset? Instant(string field, string? value)
    {
        var text = Text(value);
        if (text is null) return null;
        const DateTimeStyles utc = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;
        if (DateTimeOffset.TryParseExact(text, IsoTimes, CultureInfo.InvariantCulture, utc, out var iso)) return iso;
        if (DateOnly.TryParseExact(text, IsoDates, CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            return new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        if (DateTimeOffset.TryParse(text, culture, utc, out var local)) return local;
        errors.Add(new RowError(field, $"'{text}' is not a date and time (ISO 8601 such as 2026-03-01T14:30:00Z, or as written in {culture.Name})."));
        return null;
    }

    /// <summary>A list in one field, separated by commas, semicolons or bars.</summary>
    public static IReadOnlyList<string>? List(string? value) =>
        Text(value) is { } text
            ? [.. text.Split([',', ';', '|'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]
            : null;
}
