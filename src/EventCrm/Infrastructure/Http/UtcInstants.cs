using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Primitives;

namespace EventCrm.Infrastructure.Http;

/// <summary>
/// An instant a client sends with an offset (<c>2025-01-01T00:00:00+02:00</c>) is the same instant in UTC: the
/// store keeps <c>timestamptz</c>, which takes UTC only, and every answer speaks UTC. Converting where values
/// enter (the JSON bodies, the query string) keeps the offset out of every handler and query below.
/// </summary>
public static class UtcInstants
{
    /// <summary>Bodies: every <see cref="DateTimeOffset"/> read is the UTC instant (nullable ones too).</summary>
    public sealed class Converter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.GetDateTimeOffset().ToUniversalTime();

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value);
    }

    /// <summary>
    /// The query string with every instant parameter of the endpoint (by <paramref name="instants"/>) given in UTC,
    /// or null when none had another offset.
    /// </summary>
    public static QueryString? InUtc(IQueryCollection query, IReadOnlySet<string> instants)
    {
        var changed = false;
        var pairs = new List<KeyValuePair<string, string?>>();
        foreach (var (key, values) in query)
            foreach (var value in values)
            {
                if (instants.Contains(key)
                    && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var time)
                    && time.Offset != TimeSpan.Zero)
                {
                    changed = true;
                    pairs.Add(new(key, time.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)));
                }
                else pairs.Add(new(key, value));
            }
        return changed ? QueryString.Create(pairs) : null;
    }
}
