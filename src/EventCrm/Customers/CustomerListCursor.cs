using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace EventCrm.Customers;

/// <summary>
/// Where a walk of the customer list stands: the sort, the last row's sort key and id, and a digest of the filters,
/// written as <c>base64url(json).base64url(check)</c>. The check is a digest, not a signature: a cursor names only a
/// position in an order the caller may read anyway, so there is nothing to keep secret; it makes a cursor that was
/// cut, mistyped or edited by hand a 400 instead of a walk that silently starts somewhere else.
/// </summary>
public sealed record CustomerListCursor(string Sort, object? Key, Guid Id, string Filters)
{
    private const string Version = "c1";

    public string Write()
    {
        var key = Key switch
        {
            null => null,
            string text => text,
            decimal amount => amount.ToString(CultureInfo.InvariantCulture),
            DateTimeOffset at => at.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
            _ => throw new InvalidOperationException($"No cursor form for a sort key of {Key.GetType().Name}."),
        };
        var payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new[] { Version, Sort, key, Id.ToString("N"), Filters }));
        return $"{payload}.{Base64Url(Check(payload))}";
    }

    /// <summary>
    /// The cursor <paramref name="text"/> stands for, or why it cannot continue this search: made for another sort or
    /// other filters, or not a cursor of this list at all.
    /// </summary>
    public static (CustomerListCursor? Cursor, string? Error) Read(string text, CustomerListSort sort, string filters)
    {
        const string notOurs = "'after' is not a cursor of the customer list (cut, changed or from elsewhere): " +
                               "send the 'next' of the previous page as it was, or leave 'after' out to start at the first page.";
        var parts = text.Split('.');
        if (parts.Length != 2 || parts[0].Length > 2_000 || !TryDecode(parts[1], out var check)
            || !CryptographicOperations.FixedTimeEquals(check, Check(parts[0])) || !TryDecode(parts[0], out var payload))
            return (null, notOurs);
        string?[]? fields;
        try { fields = JsonSerializer.Deserialize<string?[]>(payload); }
        catch (JsonException) { return (null, notOurs); }
        if (fields is not [Version, { } madeFor, var key, { } id, { } madeWith] || !Guid.TryParseExact(id, "N", out var last))
            return (null, notOurs);
        if (madeFor != sort.Name)
            return (null, $"'after' continues a walk sorted by '{madeFor}', not '{sort.Name}': send the same 'sort' " +
                          "as for the first page, or leave 'after' out to start again.");
        if (madeWith != filters)
            return (null, "'after' continues a search with other filters: send the same filters as for the first page, " +
                          "or leave 'after' out to start again.");
        if (!sort.TryParseKey(key, out var value)) return (null, notOurs);
        return (new CustomerListCursor(madeFor, value, last, madeWith), null);
    }

    /// <summary>A short digest of the filters, so that a cursor is used only with the search it came from.</summary>
    public static string DigestOf(string normalisedFilters) =>
        Base64Url(SHA256.HashData(Encoding.UTF8.GetBytes(normalisedFilters))[..9]);

    private static byte[] Check(string payload) =>
        SHA256.HashData(Encoding.ASCII.GetBytes("eventcrm.customer-list." + payload))[..9];

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryDecode(string text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length == 0 || text.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))) return false;
        var padded = text.Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - padded.Length % 4) % 4);
        try { bytes = Convert.FromBase64String(padded); return true; }
        catch (FormatException) { return false; }
    }
}

/// <summary>
/// One order of the customer list. A descending sort is the exact reverse of the ascending one (ties by id
/// descending too, and customers without the value — no purchase yet, or an erased name — last when ascending and
/// first when descending, as PostgreSQL places NULLs), so one index on (key, id) serves both, read forwards or
/// backwards, for page numbers and cursors alike.
/// </summary>
public sealed class CustomerListSort
{
    public const string Default = "name";
    public static readonly string[] Keys = ["name", "registeredAt", "totalSpent", "lastPurchaseAt"];

    private CustomerListSort(string name, string key, bool descending)
    {
        Name = name;
        KeyName = key;
        Descending = descending;
    }

    /// <summary>As the client names it: "name", "-totalSpent", ...</summary>
    public string Name { get; }

    public string KeyName { get; }
    public bool Descending { get; }

    /// <summary>Whether some customers have no value for the key (their rows come last ascending, first descending).</summary>
    public bool Nullable => KeyName is "name" or "lastPurchaseAt";

    public static bool IsKnown(string? sort) =>
        sort is null || Keys.Contains(sort.StartsWith('-') ? sort[1..] : sort);

    public static CustomerListSort Of(string? sort)
    {
        var name = string.IsNullOrEmpty(sort) ? Default : sort;
        var descending = name.StartsWith('-');
        return new CustomerListSort(name, descending ? name[1..] : name, descending);
    }

    public object? KeyOf(CustomerProfile profile) => KeyName switch
    {
        "registeredAt" => profile.RegisteredAt,
        "totalSpent" => profile.TotalSpent,
        "lastPurchaseAt" => profile.LastPurchaseAt,
        _ => profile.Name,
    };

    public bool TryParseKey(string? text, out object? key)
    {
        key = null;
        if (text is null) return Nullable;
        switch (KeyName)
        {
            case "name":
                key = text;
                return true;
            case "totalSpent":
                if (!decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var amount)) return false;
                key = amount;
                return true;
            default:
                if (!DateTimeOffset.TryParseExact(text, "O", CultureInfo.InvariantCulture, DateTimeStyles.None, out var at)) return false;
                key = at.ToUniversalTime();
                return true;
        }
    }

    /// <summary>The list in this order, ties broken by id in the same direction.</summary>
    public IOrderedQueryable<CustomerProfile> Apply(IQueryable<CustomerProfile> query) => (KeyName, Descending) switch
    {
        ("registeredAt", false) => query.OrderBy(p => p.RegisteredAt).ThenBy(p => p.Id),
        ("registeredAt", true) => query.OrderByDescending(p => p.RegisteredAt).ThenByDescending(p => p.Id),
        ("totalSpent", false) => query.OrderBy(p => p.TotalSpent).ThenBy(p => p.Id),
        ("totalSpent", true) => query.OrderByDescending(p => p.TotalSpent).ThenByDescending(p => p.Id),
        ("lastPurchaseAt", false) => query.OrderBy(p => p.LastPurchaseAt).ThenBy(p => p.Id),
        ("lastPurchaseAt", true) => query.OrderByDescending(p => p.LastPurchaseAt).ThenByDescending(p => p.Id),
        (_, true) => query.OrderByDescending(p => p.Name).ThenByDescending(p => p.Id),
        _ => query.OrderBy(p => p.Name).ThenBy(p => p.Id),
    };
}
