using System.Text.Json;
using System.Text.Json.Serialization;

namespace EventCrm.Client;

public partial class EventCrmClient
{
    /// <summary>The API writes enums by their camelCase names ("active", "closedWon"), as its schemas list them.</summary>
    static partial void UpdateJsonSerializerSettings(JsonSerializerOptions settings) =>
        settings.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
}
