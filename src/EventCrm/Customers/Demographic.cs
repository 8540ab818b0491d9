using System.Collections.Frozen;
using System.Globalization;
using EventCrm.Infrastructure.Http;

namespace EventCrm.Customers;

/// <summary>Who the customer is, as a client sends it (register and change-demographics bodies share it).</summary>
public interface IDemographicInput
{
    DateOnly? BirthDate { get; }
    int? Age { get; }
    decimal? AnnualIncome { get; }
    string? Country { get; }
    string? Region { get; }
    string? Industry { get; }

    /// <summary>An IANA time zone id; where it is known, marketing mail respects quiet hours in it.</summary>
    string? TimeZone => null;
}

/// <summary>How demographic details are checked and stored: countries as ISO 3166 alpha-2, ages 0-130.</summary>
public static class Demographic
{
    public const int MaxAge = 130;
    public const int MaxRegionLength = 100;
    public const int MaxIndustryLength = 100;
    public const decimal MaxIncome = 1_000_000_000_000m;

    /// <summary>ISO 3166 codes (alpha-2 and alpha-3) and English and native names, to the alpha-2 code.</summary>
    private static readonly FrozenDictionary<string, string> Countries = CultureInfo
        .GetCultures(CultureTypes.SpecificCultures)
        .Select(culture => new RegionInfo(culture.Name))
        .Where(region => region.TwoLetterISORegionName.Length == 2 && region.TwoLetterISORegionName.All(char.IsAsciiLetterUpper))
        .SelectMany(region => new[]
            {
                region.TwoLetterISORegionName, region.ThreeLetterISORegionName, region.EnglishName, region.NativeName,
            }
            .Select(key => (Key: key, Code: region.TwoLetterISORegionName)))
        .Where(entry => !string.IsNullOrWhiteSpace(entry.Key))
        .DistinctBy(entry => entry.Key, StringComparer.OrdinalIgnoreCase)
        .ToFrozenDictionary(entry => entry.Key, entry => entry.Code, StringComparer.OrdinalIgnoreCase);

    public static string? NormaliseCountry(string? country) =>
        string.IsNullOrWhiteSpace(country) ? null : Countries.GetValueOrDefault(country.Trim());

    /// <summary>Names people use that are not ISO 3166, and the code they mean.</summary>
    private static readonly FrozenDictionary<string, string> Misnamed = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["UK"] = "GB", ["England"] = "GB", ["Scotland"] = "GB", ["Wales"] = "GB", ["Northern Ireland"] = "GB",
        ["Great Britain"] = "GB", ["Britain"] = "GB", ["EL"] = "GR", ["Holland"] = "NL", ["America"] = "US",
        ["Deutschland"] = "DE", ["Schweiz"] = "CH", ["Österreich"] = "AT", ["Espana"] = "ES",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>The message for a country that is not one: the value quoted, and the code meant when it is a known slip.</summary>
    public static string UnknownCountry(string country)
    {
        var shown = Infrastructure.Http.InputGuard.Printable(country.Trim());
        return Misnamed.TryGetValue(country.Trim(), out var meant)
            ? $"'country' '{shown}' is not an ISO 3166 code; did you mean '{meant}'?"
            : $"'country' '{shown}' is not an ISO 3166 country code (e.g. DE, DEU) or an English country name.";
    }

    public static FieldErrors CheckDemographics(this FieldErrors errors, IDemographicInput input, DateTimeOffset now)
    {
        if (input.BirthDate is { } birthDate)
        {
            var today = DateOnly.FromDateTime(now.UtcDateTime);
            if (birthDate > today)
                errors.Add("birthDate", "'birthDate' cannot be in the future.");
            else if (birthDate < today.AddYears(-MaxAge))
                errors.Add("birthDate", $"'birthDate' must be within the last {MaxAge} years.");
            if (input.Age is not null)
                errors.Add("age", "Give 'birthDate' or 'age', not both.");
        }
        if (input.Age is < 0 or > MaxAge)
            errors.Add("age", $"'age' must be between 0 and {MaxAge}.");
        if (input.AnnualIncome is < 0)
            errors.Add("annualIncome", "'annualIncome' cannot be negative.");
        if (input.AnnualIncome > MaxIncome)
            errors.Add("annualIncome", "'annualIncome' is implausibly large.");
        if (!string.IsNullOrWhiteSpace(input.Country) && NormaliseCountry(input.Country) is null)
            errors.Add("country", UnknownCountry(input.Country));
        if (!string.IsNullOrWhiteSpace(input.TimeZone) && NormaliseTimeZone(input.TimeZone) is null)
            errors.Add("timeZone", $"'timeZone' '{Infrastructure.Http.InputGuard.Printable(input.TimeZone.Trim())}' is not an IANA time zone id, e.g. Europe/Berlin or America/New_York.");
        return errors
            .OptionalText("region", input.Region, MaxRegionLength)
            .OptionalText("industry", input.Industry, MaxIndustryLength);
    }

    /// <summary>The stored form; null when nothing at all is known.</summary>
    public static Demographics? From(IDemographicInput input)
    {
        var demographics = new Demographics(
            input.BirthDate,
            input.BirthDate is null ? input.Age : null,
            input.AnnualIncome,
            NormaliseCountry(input.Country),
            Clean(input.Region),
            Clean(input.Industry),
            NormaliseTimeZone(input.TimeZone));
        return demographics == Empty ? null : demographics;
    }

    private static readonly Demographics Empty = new(null, null, null, null, null, null);

    /// <summary>The IANA id as the system spells it, or null when it names no time zone.</summary>
    public static string? NormaliseTimeZone(string? timeZone)
    {
        if (string.IsNullOrWhiteSpace(timeZone)) return null;
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(timeZone.Trim(), out var zone)) return null;
        return zone.HasIanaId ? zone.Id : TimeZoneInfo.TryConvertWindowsIdToIanaId(zone.Id, out var iana) ? iana : null;
    }

    private static string? Clean(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null : ContactDetails.NormaliseName(text);
}
