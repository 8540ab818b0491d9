using System.Text;

namespace EventCrm.Tests.Imports;

/// <summary>Issue 15, class 6: a malformed upload is a 400 (or 413) problem, never a 500, and nothing of it is kept.</summary>
[Collection(AppCollection.Name)]
public class when_an_upload_is_malformed(AppFixture app)
{
    private static string Rows => $"name,email\nAda Upload,{AppFixture.NewEmail("upload")}\n";

    private async Task<System.Text.Json.JsonElement> Refused(string? contentType, byte[] body, int status)
    {
        var pieces = await app.StoredPieces();
        var (result, correlationId) = await app.Upload("customers", contentType, body);

        var problem = await result.ShouldBeProblem(status);
        (await app.EventsOf(correlationId)).ShouldBe(0);
        (await app.StoredPieces()).ShouldBe(pieces);
        return problem;
    }

    [Fact]
    public async Task multipart_without_a_boundary_is_a_400()
    {
        var problem = await Refused("multipart/form-data", ImportStore.Multipart("x", Rows), 400);

        problem.GetProperty("detail").GetString()!.ShouldContain("no boundary");
    }

    [Theory]
    [InlineData(71)]
    [InlineData(129)]
    [InlineData(5000)]
    public async Task a_boundary_over_70_characters_is_a_400(int length)
    {
        var boundary = new string('b', length);

        var problem = await Refused($"multipart/form-data; boundary={boundary}", ImportStore.Multipart(boundary, Rows), 400);

        problem.GetProperty("detail").GetString()!.ShouldContain("at most 70");
    }

    [Fact]
    public async Task part_headers_over_16_KiB_are_a_400()
    {
        var body = ImportStore.Multipart("edge", Rows, extraHeaders: $"X-Padding: {new string('h', 20_000)}\r\n");

        var problem = await Refused("multipart/form-data; boundary=edge", body, 400);

        problem.GetProperty("detail").GetString()!.ShouldContain("headers are too long");
    }

    [Fact]
    public async Task more_than_1024_fields_are_a_400()
    {
        var fields = string.Concat(Enumerable.Range(0, 1100).Select(i => $"--edge\r\nContent-Disposition: form-data; name=\"f{i}\"\r\n\r\nx\r\n"));
        var body = Encoding.UTF8.GetBytes(fields).Concat(ImportStore.Multipart("edge", Rows)).ToArray();

        var problem = await Refused("multipart/form-data; boundary=edge", body, 400);

        problem.GetProperty("detail").GetString()!.ShouldContain("more than 1,024 fields");
    }

    [Fact]
    public async Task a_body_without_its_closing_boundary_is_a_400()
    {
        var problem = await Refused("multipart/form-data; boundary=edge", ImportStore.Multipart("edge", Rows, closed: false)[..^2], 400);

        problem.GetProperty("detail").GetString()!.ShouldContain("closing boundary");
    }

    [Fact]
    public async Task a_url_encoded_form_is_a_415()
    {
        await Refused("application/x-www-form-urlencoded", Encoding.UTF8.GetBytes(string.Join('&', Enumerable.Range(0, 1100).Select(i => $"f{i}=x"))), 415);
    }

    [Fact]
    public async Task a_json_array_that_is_not_utf8_is_a_400_and_leaves_no_batch()
    {
        // "Müller" as Windows-1252 writes it: 0xFC is no UTF-8 character.
        var body = Encoding.UTF8.GetBytes($"[{{\"email\":\"{AppFixture.NewEmail("latin")}\",\"name\":\"M").Concat([(byte)0xFC]).Concat("ller\"}]"u8.ToArray()).ToArray();

        var problem = await Refused("application/json", body, 400);

        problem.GetProperty("errors").GetProperty("body")[0].GetString()!.ShouldContain("not UTF-8");
    }

    [Fact]
    public async Task a_csv_file_that_is_not_utf8_is_a_400_naming_the_byte()
    {
        var csv = Encoding.Latin1.GetBytes($"name,email\nJürgen Müller,{AppFixture.NewEmail("latin")}\n");
        var body = Encoding.UTF8.GetBytes("--edge\r\nContent-Disposition: form-data; name=\"file\"; filename=\"people.csv\"\r\n\r\n")
            .Concat(csv).Concat(Encoding.UTF8.GetBytes("\r\n--edge--\r\n")).ToArray();

        var problem = await Refused("multipart/form-data; boundary=edge", body, 400);

        problem.GetProperty("errors").GetProperty("file")[0].GetString()!.ShouldContain("byte 13 is not part of any UTF-8 character");
    }
}
