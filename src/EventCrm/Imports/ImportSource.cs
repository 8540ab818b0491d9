using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CsvHelper;

namespace EventCrm.Imports;

/// <summary>One record of the file with its values under the importer's field names.</summary>
public sealed record SourceRow(int Row, IReadOnlyDictionary<string, string?> Values, string Fingerprint)
{
    public string? this[string field] => Values.GetValueOrDefault(field);
}

/// <summary>A record that could not be read at all; when <paramref name="Fatal"/>, nothing after it could be either.</summary>
public sealed record UnreadableRow(int Row, string Reason, bool Fatal);

/// <summary>The fields an import knows and the header names it recognises for each.</summary>
public sealed class ImportFields(IReadOnlyDictionary<string, string[]> aliases, IReadOnlyList<string> requiredAnyOf)
{
    public static readonly ImportFields Customers = new(new Dictionary<string, string[]>
    {
        ["name"] = ["name", "fullname", "customername", "customer", "contactname", "contact"],
        ["firstName"] = ["firstname", "givenname", "forename", "first"],
        ["lastName"] = ["lastname", "surname", "familyname", "last"],
        ["email"] = ["email", "emailaddress", "mail", "mailaddress", "emailid", "customeremail", "contactemail"],
        ["phone"] = ["phone", "phonenumber", "telephone", "telephonenumber", "tel", "mobile", "mobilephone", "mobilenumber", "cell", "cellphone"],
        ["birthDate"] = ["birthdate", "dateofbirth", "dob", "birthday"],
        ["age"] = ["age"],
        ["annualIncome"] = ["annualincome", "income", "yearlyincome", "salary"],
        ["country"] = ["country", "countrycode", "nation"],
        ["region"] = ["region", "state", "province", "county"],
        ["industry"] = ["industry", "sector"],
        ["acquisitionSource"] = ["acquisitionsource", "source", "leadsource", "channel"],
        ["tags"] = ["tags", "tag", "labels"],
        // When they became a customer, in the system the file comes from: history, not the day of the import.
        ["registeredAt"] = ["registeredat", "registered", "registrationdate", "registeredon", "customersince", "clientsince",
            "membersince", "since", "signupdate", "signedup", "signedupat", "signupat", "signup", "created", "createdat",
            "createdon", "createddate", "datecreated", "creationdate", "joined", "joinedat", "joindate", "datejoined", "startdate"],
    }, ["email"]);

    public static readonly ImportFields Purchases = new(new Dictionary<string, string[]>
    {
        ["customerId"] = ["customerid", "customer", "clientid"],
        ["email"] = ["email", "emailaddress", "customeremail", "mail"],
        ["amount"] = ["amount", "total", "price", "value", "sum"],
        ["currency"] = ["currency", "currencycode", "curr"],
        ["product"] = ["product", "productname", "item", "itemname", "description"],
        ["category"] = ["category", "productcategory", "group"],
        ["purchasedAt"] = ["purchasedat", "purchasedate", "orderdate", "date", "time", "timestamp", "datetime", "purchasetime"],
    }, ["email", "customerId"]);

    public IReadOnlyCollection<string> Names => [.. aliases.Keys];

    /// <summary>The header names recognised for a field, as <see cref="Key"/> compares them (what docs/api.md lists).</summary>
    public IReadOnlyList<string> HeadersOf(string field) => aliases.GetValueOrDefault(field) ?? [];

    /// <summary>At least one of these columns must be there.</summary>
    public IReadOnlyList<string> RequiredAnyOf => requiredAnyOf;

    /// <summary>Header names are compared without case, spaces or punctuation: "E-mail", "email_address" and "Email Address" are one.</summary>
    public static string Key(string header) =>
        new([.. header.Normalize(NormalizationForm.FormKC).Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant)]);

    /// <summary>The field a column is read into: an explicit mapping first, then the known names.</summary>
    public string? FieldOf(string header, IReadOnlyDictionary<string, string> mapping)
    {
        var key = Key(header);
        foreach (var (from, to) in mapping)
            if (Key(from) == key) return aliases.ContainsKey(to) ? to : null;
        return aliases.FirstOrDefault(a => a.Value.Contains(key)).Key;
    }
}

/// <summary>
/// Reads an uploaded file record by record, CSV (separator detected among <c>,</c> <c>;</c> and tab, UTF-8 with
/// or without a byte-order mark, quoted fields with separators and line breaks) or a JSON array of objects,
/// without holding more than one record in memory. Rows are numbered as a spreadsheet shows them: the header
/// is row 1, the first record row 2 (for JSON, the first object is row 1). Values are handed on as text in the
/// import's <paramref name="culture"/>, which for a JSON number means writing it the culture's way.
/// </summary>
public sealed class ImportSource(Stream stream, string format, ImportFields fields, IReadOnlyDictionary<string, string> mapping,
    CultureInfo culture)
{
    public IReadOnlyDictionary<string, string> Columns { get; private set; } = new Dictionary<string, string>();
    public IReadOnlyList<string> Ignored { get; private set; } = [];

    /// <summary>Why the file cannot be imported at all, once the header has been read; null when it can.</summary>
    public string? Unusable { get; private set; }

    private bool _firstRecordMalformed;
    private const string NotAnArray = "The JSON is not an array";

    public static string FormatOf(string? fileName, string? contentType) =>
        (contentType?.Contains("json", StringComparison.OrdinalIgnoreCase) ?? false)
        || (fileName?.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ?? false) ? "json" : "csv";

    public IAsyncEnumerable<object> Read(CancellationToken cancellation) =>
        format == "json" ? ReadJson(cancellation) : ReadCsv(cancellation);

    /// <summary>The most columns a file may have (the importers know a dozen; the rest are ignored, and listed).</summary>
    public const int MaxColumns = 1000;
    public const int MaxColumnNameLength = 200;

    private void UseHeader(IReadOnlyList<string> headers)
    {
        if (headers.Count > MaxColumns)
        {
            Unusable = $"The file has {headers.Count:N0} columns; an import takes at most {MaxColumns:N0}.";
            return;
        }
        if (headers.FirstOrDefault(h => h.Length > MaxColumnNameLength) is { } longName)
        {
            Unusable = $"Column '{Shown(longName)}' has a name of {longName.Length:N0} characters; a column name is at most {MaxColumnNameLength}.";
            return;
        }
        var columns = new Dictionary<string, string>();
        var ignored = new List<string>();
        foreach (var header in headers)
        {
            if (fields.FieldOf(header, mapping) is { } field && !columns.ContainsValue(field)) columns[header] = field;
            else ignored.Add(header);
        }
        Columns = columns;
        Ignored = ignored;
        if (!fields.RequiredAnyOf.Any(columns.ContainsValue))
            Unusable = $"No column for {string.Join(" or ", fields.RequiredAnyOf)}. Columns found: " +
                       (headers.Count == 0 ? "none" : string.Join(", ", headers.Take(20).Select(h => $"'{Shown(h)}'")) + (headers.Count > 20 ? $" and {headers.Count - 20:N0} more" : "")) +
                       ". Name the column as the importer knows it, or map it with 'mapping' (header=field).";
    }

    /// <summary>A column name quoted back: shortened, control characters as '?'.</summary>
    private static string Shown(string text)
    {
        var shown = new string([.. text.Take(40).Select(c => char.IsControl(c) || char.IsSurrogate(c) ? '?' : c)]);
        return text.Length > 40 ? shown + "…" : shown;
    }

    /// <summary>
    /// Why a file cannot be imported at all, judged from its start (the header, or the first JSON record), or null
    /// when it can. <paramref name="whole"/> says whether <paramref name="start"/> is the whole file.
    /// </summary>
    public static async Task<string?> Refusal(ReadOnlyMemory<byte> start, bool whole, string format, ImportFields fields,
        IReadOnlyDictionary<string, string> mapping, CancellationToken cancellation)
    {
        var source = new ImportSource(new MemoryStream(start.ToArray(), writable: false), format, fields, mapping, CultureInfo.InvariantCulture);
        await foreach (var _ in source.Read(cancellation)) break;
        if (source._firstRecordMalformed && !whole)
            return $"The first record is not a complete, well-formed JSON object within the first {ImportFiles.PieceBytes / (1024 * 1024)} MiB.";
        return source.Unusable;
    }

    private async IAsyncEnumerable<object> ReadCsv([EnumeratorCancellation] CancellationToken cancellation)
    {
        var options = new CsvReaderOptions { MalformedData = CsvMalformedDataHandling.Throw, DetectSeparatorHint = true };
        await using var csv = CsvReader.Create(stream, options, leaveOpen: true);
        var headerRead = false;
        IReadOnlyList<string> headers = [];
        while (true)
        {
            bool more;
            string? error = null;
            try
            {
                more = await csv.ReadAsync(cancellation);
            }
            catch (CsvFormatException malformed)
            {
                more = false;
                error = malformed.Message;
            }
            if (!headerRead && (more || error is null))
            {
                headerRead = true;
                headers = csv.Headers ?? [];
                UseHeader(headers);
                if (Unusable is not null) yield break;
            }
            var row = (int)csv.RowNumber + 1;
            if (error is not null)
            {
                // The record that failed is the one after the last read.
                yield return new UnreadableRow(row + 1, $"{error} The rest of the file could not be read.", Fatal: true);
                yield break;
            }
            if (!more) yield break;

            if (csv.FieldCount > headers.Count)
            {
                yield return new UnreadableRow(row, $"The row has {csv.FieldCount} fields; the header has {headers.Count}.", Fatal: false);
                continue;
            }
            var values = new Dictionary<string, string?>();
            var raw = new StringBuilder();
            for (var i = 0; i < csv.FieldCount; i++)
            {
                var value = csv.GetString(i);
                raw.Append(value).Append('\u001f');
                if (Columns.TryGetValue(headers[i], out var field)) values[field] = value;
            }
            yield return new SourceRow(row, values, Fingerprint(raw.ToString()));
        }
    }

    private async IAsyncEnumerable<object> ReadJson([EnumeratorCancellation] CancellationToken cancellation)
    {
        var row = 0;
        await using var enumerator = JsonSerializer.DeserializeAsyncEnumerable<JsonElement>(stream, cancellationToken: cancellation)
            .GetAsyncEnumerator(cancellation);
        while (true)
        {
            JsonElement element;
            string? error = null;
            try
            {
                if (!await enumerator.MoveNextAsync()) yield break;
                element = enumerator.Current;
            }
            catch (JsonException malformed)
            {
                element = default;
                // Not the serializer's own message: it names .NET types.
                error = malformed.Path is null or "$"
                    ? NotAnArray
                    : $"The JSON is malformed at line {(malformed.LineNumber ?? 0) + 1}, byte {(malformed.BytePositionInLine ?? 0) + 1}";
            }
            row++;
            if (error is not null)
            {
                if (row == 1) (Unusable, _firstRecordMalformed) = ($"{error}; a JSON import is an array of objects.", error != NotAnArray);
                else yield return new UnreadableRow(row, $"{error}. The rest of the file could not be read.", Fatal: true);
                yield break;
            }
            if (row == 1)
            {
                if (element.ValueKind != JsonValueKind.Object)
                {
                    Unusable = "A JSON import is an array of objects, one per record.";
                    yield break;
                }
                if (Unreadable(element) is { } first)
                {
                    Unusable = $"The first record cannot be read: {first}";
                    yield break;
                }
                UseHeader([.. element.EnumerateObject().Select(p => p.Name)]);
                if (Unusable is not null) yield break;
            }
            if (element.ValueKind != JsonValueKind.Object)
            {
                yield return new UnreadableRow(row, "The record is not a JSON object.", Fatal: false);
                continue;
            }
            if (Unreadable(element) is { } unreadable)
            {
                yield return new UnreadableRow(row, unreadable, Fatal: false);
                continue;
            }
            var values = new Dictionary<string, string?>();
            string? nested = null;
            foreach (var property in element.EnumerateObject())
            {
                var field = Columns.GetValueOrDefault(property.Name) ?? fields.FieldOf(property.Name, mapping);
                if (field is null) continue;
                switch (property.Value.ValueKind)
                {
                    case JsonValueKind.String: values[field] = property.Value.GetString(); break;
                    case JsonValueKind.Number: values[field] = Number(property.Value); break;
                    case JsonValueKind.True or JsonValueKind.False: values[field] = property.Value.GetRawText(); break;
                    case JsonValueKind.Null: values[field] = null; break;
                    case JsonValueKind.Array when field == "tags":
                        values[field] = string.Join(',', property.Value.EnumerateArray().Select(t => t.ToString()));
                        break;
                    default: nested ??= property.Name; break;
                }
            }
            if (nested is not null)
            {
                yield return new UnreadableRow(row, $"'{nested}' holds an object or array where a single value belongs.", Fatal: false);
                continue;
            }
            yield return new SourceRow(row, values, Fingerprint(element.GetRawText()));
        }
    }

    /// <summary>
    /// A JSON number is a number, not text in the import's culture: its raw text "52000.5" would read as 520005 in
    /// de-DE, so it is written the way the culture writes it, for the cleaning to read back the same number.
    /// </summary>
    private string Number(JsonElement number) =>
        number.TryGetDecimal(out var value) ? value.ToString(culture) : number.GetRawText();

    /// <summary>Text in a record that no string can hold (a lone half of a surrogate pair), found before it is read.</summary>
    private static string? Unreadable(JsonElement record)
    {
        foreach (var property in record.EnumerateObject())
        {
            try
            {
                _ = property.Name;
                if (property.Value.ValueKind == JsonValueKind.String) _ = property.Value.GetString();
                else if (property.Value.ValueKind == JsonValueKind.Array)
                    foreach (var item in property.Value.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.String)) _ = item.GetString();
            }
            catch (InvalidOperationException)
            {
                return "A name or value holds text that is not valid Unicode (a lone surrogate).";
            }
        }
        return null;
    }

    private static string Fingerprint(string raw) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(raw)))[..32];
}
