using System.Text;

namespace EventCrm.Tests.Imports;

/// <summary>
/// Issue 15, class 10: a file that cannot be imported at all is a 422 that appends nothing (no import_started, no
/// import_failed) and keeps nothing of the file; however large its header, the answer stays short.
/// </summary>
[Collection(AppCollection.Name)]
public class when_an_import_is_refused(AppFixture app)
{
    private async Task<string> Refused(string contentType, byte[] body)
    {
        var pieces = await app.StoredPieces();
        var (result, correlationId) = await app.Upload("customers", contentType, body);

        var problem = await result.ShouldBeProblem(422, "urn:eventcrm:problem:rule-violation");
        problem.TryGetProperty("importId", out _).ShouldBeFalse("no batch was started");
        (await app.EventsOf(correlationId)).ShouldBe(0);
        (await app.StoredPieces()).ShouldBe(pieces);
        return problem.GetProperty("detail").GetString()!;
    }

    private static byte[] File(string csv) => ImportStore.Multipart("edge", csv);

    [Fact]
    public async Task a_file_without_an_email_column_appends_nothing_and_keeps_no_file()
    {
        var detail = await Refused("multipart/form-data; boundary=edge", File("Kundenname,Telefon\nAnna,123\n"));

        detail.ShouldStartWith("No column for email. Columns found: 'Kundenname', 'Telefon'.");
    }

    [Fact]
    public async Task a_row_of_200001_columns_answers_a_short_message()
    {
        var header = string.Join(',', Enumerable.Repeat("a", 200_001));

        var detail = await Refused("multipart/form-data; boundary=edge", File(header + "\n"));

        detail.ShouldBe("The file has 200,001 columns; an import takes at most 1,000.");
    }

    [Fact]
    public async Task a_column_name_of_400_KB_is_not_quoted_back_whole()
    {
        var detail = await Refused("multipart/form-data; boundary=edge", File(new string('n', 400_000) + ",email\n"));

        detail.Length.ShouldBeLessThan(200);
        detail.ShouldContain("a column name is at most 200");
    }

    [Fact]
    public async Task many_unknown_columns_are_listed_in_part()
    {
        var header = string.Join(',', Enumerable.Range(1, 900).Select(i => $"col{i}"));

        var detail = await Refused("multipart/form-data; boundary=edge", File(header + "\n"));

        detail.ShouldContain("'col20' and 880 more.");
        detail.Length.ShouldBeLessThan(600);
    }

    [Fact]
    public async Task a_json_object_where_an_array_belongs_names_no_dotnet_type()
    {
        var detail = await Refused("application/json", Encoding.UTF8.GetBytes($"{{\"email\":\"{AppFixture.NewEmail()}\"}}"));

        detail.ShouldBe("The JSON is not an array; a JSON import is an array of objects.");
    }

    [Fact]
    public async Task a_first_record_with_text_no_string_can_hold_is_refused()
    {
        var detail = await Refused("application/json", Encoding.UTF8.GetBytes("[{\"email\":\"a@example.com\",\"name\":\"\\ud800\"}]"));

        detail.ShouldContain("lone surrogate");
    }
}
