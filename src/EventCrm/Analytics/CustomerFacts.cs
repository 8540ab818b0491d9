using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace EventCrm.Analytics;

/// <summary>
/// Which customers a statistic is about; all optional, combined with AND. Endpoints bind it with
/// <c>[AsParameters]</c> on their Validate method, which runs first; the handler then receives that same
/// instance (marking both would bind it twice).
/// </summary>
public class CustomerFilter
{
    [FromQuery(Name = "country")] public string? Country { get; set; }
    [FromQuery(Name = "region")] public string? Region { get; set; }
    [FromQuery(Name = "industry")] public string? Industry { get; set; }
    [FromQuery(Name = "status")] public CustomerStatus? Status { get; set; }
    /// <summary>Acquisition source.</summary>
    [FromQuery(Name = "source")] public string? Source { get; set; }
    /// <summary>Registered on or after this date (yyyy-MM-dd).</summary>
    [FromQuery(Name = "registeredFrom")] public DateOnly? RegisteredFrom { get; set; }
    /// <summary>Registered on or before this date (yyyy-MM-dd).</summary>
    [FromQuery(Name = "registeredTo")] public DateOnly? RegisteredTo { get; set; }

    public bool IsEmpty =>
        string.IsNullOrWhiteSpace(Country) && string.IsNullOrWhiteSpace(Region) && string.IsNullOrWhiteSpace(Industry)
        && Status is null && string.IsNullOrWhiteSpace(Source) && RegisteredFrom is null && RegisteredTo is null;
}

/// <summary>
/// The numeric fields analysts describe, bin and correlate, as SQL over <c>analytics.customer_facts</c>, and
/// the columns they group and filter by. Ages and day counts are as of the application's today; tenure counts from
/// when the customer began (<c>customer_since</c>: registration or first purchase, whichever came first).
/// Queries select the fields in a subquery fenced with <c>offset 0</c>: otherwise PostgreSQL inlines it and
/// works each field out again for every aggregate that uses it (four times slower for a 7x7 correlation).
/// </summary>
public static class CustomerFacts
{
    public const string View = AnalyticsSchema.CustomerFacts;

    public static readonly IReadOnlyDictionary<string, string> Fields = new Dictionary<string, string>
    {
        ["age"] = "case when birth_date is not null then extract(year from age(@today, birth_date))::float8 " +
                  "else (extract(year from @today) - birth_year)::float8 end",
        ["income"] = "annual_income::float8",
        ["totalSpent"] = "total_spent::float8",
        ["purchaseCount"] = "purchase_count::float8",
        ["averagePurchase"] = "average_purchase::float8",
        ["daysSinceLastPurchase"] = "floor(extract(epoch from @now - last_purchase_at) / 86400)::float8",
        ["tenureDays"] = "floor(extract(epoch from @now - customer_since) / 86400)::float8",
    };

    public static readonly IReadOnlyDictionary<string, string> Groups = new Dictionary<string, string>
    {
        ["country"] = "country",
        ["region"] = "region",
        ["industry"] = "industry",
        ["status"] = "status",
        ["source"] = "acquisition_source",
        ["owner"] = "owner",
        ["segment"] = Segment($"{View}.customer_id"),
    };

    /// <summary>The customer's segment as last scored by the active segments model (null until scored).</summary>
    public static string Segment(string customerId) =>
        $"(select s.segment_name from {AnalyticsSchema.CustomerScores} s where s.customer_id = {customerId})";

    public static FieldErrors CheckFields(this FieldErrors errors, string parameter, IEnumerable<string> fields, int min, int max)
    {
        var list = fields.ToList();
        if (list.Count < min || list.Count > max)
            errors.Add(parameter, max == 1
                ? $"'{parameter}' names one field from: {string.Join(", ", Fields.Keys)}."
                : $"'{parameter}' names {min}-{max} fields from: {string.Join(", ", Fields.Keys)}.");
        foreach (var twice in list.GroupBy(f => f).Where(g => g.Count() > 1).Select(g => g.Key))
            errors.Add(parameter, $"'{twice}' is named more than once.");
        foreach (var unknown in list.Where(f => !Fields.ContainsKey(f)))
            errors.Add(parameter, $"'{unknown}' is not a field; known: {string.Join(", ", Fields.Keys)}.");
        return errors;
    }

    public static FieldErrors CheckFilter(this FieldErrors errors, CustomerFilter filter)
    {
        if (filter.RegisteredFrom > filter.RegisteredTo) errors.Add("registeredFrom", "'registeredFrom' must not be after 'registeredTo'.");
        return errors.OptionalText("region", filter.Region, 100).OptionalText("industry", filter.Industry, 100)
            .OptionalText("source", filter.Source, 100).OptionalText("country", filter.Country, 100);
    }

    public static FieldErrors CheckCurrency(this FieldErrors errors, string? currency)
    {
        if (currency is not null && (currency.Trim().Length != 3 || !currency.Trim().All(char.IsAsciiLetter)))
            errors.Add("currency", "'currency' is an ISO 4217 code such as EUR.");
        return errors;
    }

    /// <summary>A comma list of field names as given (a name given twice is reported by <see cref="CheckFields"/>).</summary>
    public static List<string> Split(string? list) =>
        [.. (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    /// <summary>The WHERE clause for a filter, with its parameters (and @today / @now) on the command.</summary>
    public static string Where(CustomerFilter filter, NpgsqlCommand command, DateTimeOffset now)
    {
        command.Parameters.AddWithValue("today", DateOnly.FromDateTime(now.UtcDateTime));
        command.Parameters.AddWithValue("now", now);
        var conditions = new List<string> { "true" };
        void Equal(string column, string name, object? value)
        {
            if (value is null) return;
            conditions.Add($"{column} = @{name}");
            command.Parameters.AddWithValue(name, value);
        }
        Equal("country", "country", Demographic.NormaliseCountry(filter.Country) ?? NullIfBlank(filter.Country));
        Equal("region", "region", NullIfBlank(filter.Region));
        Equal("industry", "industry", NullIfBlank(filter.Industry));
        Equal("acquisition_source", "source", NullIfBlank(filter.Source)?.ToLowerInvariant());
        Equal("status", "status", filter.Status is { } status ? AnalyticsSchema.ApiName(status) : null);
        if (filter.RegisteredFrom is { } from)
        {
            conditions.Add("registered_at >= @registeredFrom");
            command.Parameters.AddWithValue("registeredFrom", new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
        }
        if (filter.RegisteredTo is { } to)
        {
            conditions.Add("registered_at < @registeredTo");
            command.Parameters.AddWithValue("registeredTo", new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
        }
        return string.Join(" and ", conditions);
    }

    private static string? NullIfBlank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
