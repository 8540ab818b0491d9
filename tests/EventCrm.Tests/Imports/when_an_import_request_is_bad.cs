using System.Text;
using Alba;
using EventCrm.Infrastructure.Security;

namespace EventCrm.Tests.Imports;

[Collection(AppCollection.Name)]
public class when_an_import_request_is_bad(AppFixture app)
{
    [Fact]
    public async Task a_form_without_a_file_is_a_400()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor(ImportApi.Importer, Roles.Sales));
            s.Post.MultipartFormData(new MultipartFormDataContent { { new StringContent("x"), "other" } }).ToUrl("/api/imports/customers");
            s.IgnoreStatusCode();
        });

        (await result.ShouldBeProblem(400)).GetProperty("errors").GetProperty("file")[0].GetString()!.ShouldContain("'file'");
    }

    [Fact]
    public async Task an_empty_file_is_a_400()
    {
        var result = await app.Import("customers", []);

        await result.ShouldBeProblem(400);
    }

    [Fact]
    public async Task plain_text_is_a_415()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor(ImportApi.Importer, Roles.Sales));
            s.Post.Text("name,email").ToUrl("/api/imports/customers");
            s.IgnoreStatusCode();
        });

        await result.ShouldBeProblem(415);
    }

    [Theory]
    [InlineData("onDuplicate=merge", "onDuplicate")]
    [InlineData("culture=xx-NOPE", "culture")]
    [InlineData("mapping=Kundenname%3DshoeSize", "mapping")]
    public async Task unknown_options_are_400s_naming_the_option(string query, string field)
    {
        var result = await app.Import("customers", "name,email\nA,a@example.com\n", query: query);

        (await result.ShouldBeProblem(400)).GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue();
    }

    [Fact]
    public async Task an_explicit_mapping_makes_a_foreign_header_usable()
    {
        var email = AppFixture.NewEmail("mapped");

        var report = await app.Imported("customers", $"Kundenname,Postfach\nAnna Mapped,{email}\n", "mapping=Kundenname%3Dname,Postfach%3Demail");

        report.GetProperty("counts").GetProperty("created").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task a_quote_that_never_closes_rejects_the_rest_and_keeps_what_came_before()
    {
        var email = AppFixture.NewEmail("before-quote");

        var report = await app.Imported("customers", $"name,email\nFine Row,{email}\n\"Broken,{AppFixture.NewEmail()}\nLost,{AppFixture.NewEmail()}\n");

        report.GetProperty("counts").GetProperty("created").GetInt32().ShouldBe(1);
        var rejected = report.Rejected();
        rejected.Keys.ShouldBe([3]);
        rejected[3].Reason().ShouldContain("quoted field that is never closed");
        rejected[3].Reason().ShouldEndWith("The rest of the file could not be read.");
    }

    [Fact]
    public async Task a_row_with_more_fields_than_the_header_is_rejected()
    {
        var report = await app.Imported("customers", $"name,email\nToo Many,{AppFixture.NewEmail()},extra\n");

        report.Rejected()[2].Reason().ShouldBe(": The row has 3 fields; the header has 2.");
    }

    [Fact]
    public async Task malformed_json_is_a_422()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor(ImportApi.Importer, Roles.Sales));
            s.Post.Text("[{\"email\": ").ContentType("application/json").ToUrl("/api/imports/customers");
            s.IgnoreStatusCode();
        });

        (await result.ShouldBeProblem(422)).GetProperty("detail").GetString()!.ShouldStartWith("The JSON is malformed");
    }

    [Theory]
    [InlineData(Roles.Support, 403)]
    [InlineData(Roles.Analyst, 403)]
    public async Task only_those_who_change_customers_may_import(string role, int status)
    {
        var result = await app.Import("customers", Encoding.UTF8.GetBytes("name,email\n"), role: role);

        result.Context.Response.StatusCode.ShouldBe(status);
    }
}
