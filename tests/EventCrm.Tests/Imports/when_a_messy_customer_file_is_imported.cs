using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace EventCrm.Tests.Imports;

/// <summary>
/// Files/messy-customers.csv as a third party might send it: UTF-8 with a byte-order mark, semicolons, German
/// numbers and dates, a quoted field with a line break, an exact repeat, the same person twice, and five
/// rows that cannot be taken. Imported once (e-mail domains made unique to this run), then examined.
/// </summary>
[Collection(AppCollection.Name)]
public class when_a_messy_customer_file_is_imported(AppFixture app)
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static (JsonElement Report, string Domain)? _imported;
    private static readonly string AdaPhone = $"7946 0{Random.Shared.Next(0, 1000):000}";
    private static readonly string MargaretPhone = $"{Random.Shared.Next(1_000_000, 9_999_999)}";

    /// <summary>The committed file with e-mail domains and phone numbers no other run of the tests uses.</summary>
    private static async Task<string> FileFor(string domain)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Imports", "Files", "messy-customers.csv");
        var text = Regex.Replace(await File.ReadAllTextAsync(path), "@example", $"@{domain}", RegexOptions.IgnoreCase);
        return text.Replace("7946 0958", AdaPhone).Replace("0171 1234567", $"0171 {MargaretPhone}");
    }

    private async Task<(JsonElement Report, string Domain)> Imported()
    {
        await Gate.WaitAsync();
        try
        {
            if (_imported is { } done) return done;
            var domain = $"{ImportApi.Unique()}-example";
            // Keep the byte-order mark: File.ReadAllText drops it.
            var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(await FileFor(domain))).ToArray();
            var result = await app.Import("customers", bytes, "messy-customers.csv", "culture=de-DE");
            result.Context.Response.StatusCode.ShouldBe(201, await result.ReadAsTextAsync());
            _imported = (await result.Body(), domain);
            return _imported.Value;
        }
        finally
        {
            Gate.Release();
        }
    }

    [Fact]
    public async Task the_report_counts_every_row_once()
    {
        var (report, _) = await Imported();

        report.GetProperty("status").GetString().ShouldBe("completed");
        report.GetProperty("progress").GetDouble().ShouldBe(1);
        var counts = report.GetProperty("counts");
        counts.GetProperty("rows").GetInt32().ShouldBe(10);
        counts.GetProperty("created").GetInt32().ShouldBe(3);
        counts.GetProperty("duplicates").GetInt32().ShouldBe(2);
        counts.GetProperty("rejected").GetInt32().ShouldBe(5);
        counts.GetProperty("updated").GetInt32().ShouldBe(0);
        report.GetProperty("format").GetString().ShouldBe("csv");
        report.GetProperty("startedBy").GetString().ShouldBe(ImportApi.Importer);
        report.GetProperty("sha256").GetString()!.Length.ShouldBe(64);
    }

    [Fact]
    public async Task headers_are_recognised_by_their_usual_names_and_the_rest_is_ignored()
    {
        var (report, _) = await Imported();

        var columns = report.GetProperty("columns").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        columns.ShouldBe(new Dictionary<string, string?>
        {
            ["Full Name"] = "name", ["E-Mail"] = "email", ["Telephone"] = "phone", ["Date of Birth"] = "birthDate",
            ["Income"] = "annualIncome", ["Country"] = "country", ["State"] = "region", ["Sector"] = "industry",
            ["Lead Source"] = "acquisitionSource", ["Tags"] = "tags",
        }, ignoreOrder: true);
        report.GetProperty("ignoredColumns").EnumerateArray().Select(c => c.GetString()).ShouldBe(["Notes"]);
    }

    [Fact]
    public async Task each_rejected_row_says_which_field_and_why()
    {
        var (report, _) = await Imported();

        var rejected = report.Rejected();
        rejected.Keys.Order().ShouldBe([5, 6, 7, 8, 9]);
        rejected[5].Reason().ShouldBe("email: 'email' is required.");
        rejected[6].Reason().ShouldStartWith("email: 'email' is not a valid e-mail address: 'katherine@");
        rejected[7].Reason().ShouldBe("birthDate: '31.02.1960' is not a date (yyyy-MM-dd, or dd.MM.yyyy in de-DE).");
        rejected[8].Reason().ShouldBe("annualIncome: 'viel' is not a number as written in de-DE (e.g. 1.234,50).");
        rejected[9].Reason().ShouldStartWith("country: ");
    }

    [Fact]
    public async Task repeats_are_dropped_and_say_which_row_they_repeat()
    {
        var (report, _) = await Imported();

        var duplicates = await app.Rows(report.GetProperty("id").GetGuid(), "duplicate");
        duplicates.Keys.Order().ShouldBe([4, 11]);
        duplicates[4].GetProperty("note").GetString().ShouldBe("The same record as row 2.");
        duplicates[11].GetProperty("note").GetString().ShouldBe("The same e-mail as row 3; the first row counts.");
    }

    [Fact]
    public async Task a_clean_row_becomes_the_same_event_the_api_records_normalised_and_marked_with_the_batch()
    {
        var (report, domain) = await Imported();
        var batchId = report.GetProperty("id").GetGuid();
        var created = await app.Rows(batchId, "created");

        var ada = await StoredEvents.Of(app, created[2].GetProperty("customerId").GetGuid());
        ada.Count.ShouldBe(1);
        ada[0].Type.ShouldBe("customer_registered");
        ada[0].Source.ShouldBe($"import:{batchId}");
        ada[0].User.ShouldBe(ImportApi.Importer);
        ada[0].CorrelationId.ShouldBe(batchId.ToString());
        var data = ada[0].Data;
        data.GetProperty("name").GetString().ShouldBe("Ada Lovelace");
        data.GetProperty("email").GetString().ShouldBe($"ada.lovelace@{domain}.com");
        data.GetProperty("phone").GetString().ShouldBe($"+4420{AdaPhone.Replace(" ", "")}");
        data.GetProperty("acquisitionSource").GetString().ShouldBe("referral");
        data.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).Order().ShouldBe(["newsletter", "vip"]);
        var who = data.GetProperty("demographics");
        who.GetProperty("birthDate").GetString().ShouldBe("1985-12-10");
        who.GetProperty("annualIncome").GetDecimal().ShouldBe(52000.50m);
        who.GetProperty("country").GetString().ShouldBe("GB");
        who.GetProperty("region").GetString().ShouldBe("London");
        who.GetProperty("industry").GetString().ShouldBe("Software");
    }

    [Fact]
    public async Task names_get_a_consistent_case_and_national_phone_numbers_are_read_in_the_rows_country()
    {
        var (report, _) = await Imported();
        var created = await app.Rows(report.GetProperty("id").GetGuid(), "created");

        var grace = (await StoredEvents.Of(app, created[3].GetProperty("customerId").GetGuid()))[0].Data;
        grace.GetProperty("name").GetString().ShouldBe("Grace Hopper");
        grace.GetProperty("demographics").GetProperty("birthDate").GetString().ShouldBe("1956-12-09");
        var margaret = (await StoredEvents.Of(app, created[10].GetProperty("customerId").GetGuid()))[0].Data;
        margaret.GetProperty("name").GetString().ShouldBe("Margaret Hamilton");
        margaret.GetProperty("phone").GetString().ShouldBe($"+49171{MargaretPhone}");
        margaret.GetProperty("demographics").GetProperty("annualIncome").GetDecimal().ShouldBe(75000m);
        margaret.GetProperty("demographics").GetProperty("birthDate").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task importing_the_same_file_again_creates_nobody()
    {
        var (first, domain) = await Imported();
        var again = await app.Imported("customers", await FileFor(domain), "culture=de-DE");

        again.GetProperty("counts").GetProperty("created").GetInt32().ShouldBe(0);
        again.GetProperty("counts").GetProperty("skipped").GetInt32().ShouldBe(first.GetProperty("counts").GetProperty("created").GetInt32());
        again.GetProperty("id").GetGuid().ShouldNotBe(first.GetProperty("id").GetGuid());
    }
}
