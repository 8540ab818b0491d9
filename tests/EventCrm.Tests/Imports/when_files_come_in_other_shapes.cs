using Alba;
using EventCrm.Infrastructure.Security;
using EventCrm.Tests.Customers;

namespace EventCrm.Tests.Imports;

[Collection(AppCollection.Name)]
public class when_files_come_in_other_shapes(AppFixture app)
{
    [Fact]
    public async Task a_tab_separated_file_with_first_and_last_names_is_read()
    {
        var email = AppFixture.NewEmail("tab");

        var report = await app.Imported("customers", $"First name\tLast name\tEmail Address\tAge\n  tom \tO'NEIL\t{email}\t41\n");

        report.GetProperty("counts").GetProperty("created").GetInt32().ShouldBe(1);
        var id = (await app.Rows(report.GetProperty("id").GetGuid()))[2].GetProperty("customerId").GetGuid();
        var profile = await app.Profile(id);
        profile.GetProperty("name").GetString().ShouldBe("Tom O'Neil");
        profile.GetProperty("age").GetInt32().ShouldBe(41);
    }

    [Fact]
    public async Task a_json_array_body_is_read_with_numbers_and_tag_lists()
    {
        var email = AppFixture.NewEmail("json");
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor(ImportApi.Importer, Roles.Sales));
            s.Post.Text($$"""[{"fullName": "Jo Json", "emailAddress": "{{email}}", "annualIncome": 61000.5, "country": "Netherlands", "tags": ["b2b", "Trade Fair"]}, 42]""")
                .ContentType("application/json").ToUrl("/api/imports/customers");
            s.IgnoreStatusCode();
        });

        result.Context.Response.StatusCode.ShouldBe(201, await result.ReadAsTextAsync());
        var report = await result.Body();
        report.GetProperty("format").GetString().ShouldBe("json");
        report.Rejected()[2].Reason().ShouldBe(": The record is not a JSON object.");
        var id = (await app.Rows(report.GetProperty("id").GetGuid()))[1].GetProperty("customerId").GetGuid();
        var profile = await app.Profile(id);
        profile.GetProperty("annualIncome").GetDecimal().ShouldBe(61000.5m);
        profile.GetProperty("country").GetString().ShouldBe("NL");
        profile.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).Order().ShouldBe(["b2b", "trade fair"]);
    }
}
