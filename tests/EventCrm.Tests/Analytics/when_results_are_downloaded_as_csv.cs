using Alba;
using EventCrm.Analytics;
using Marten;
using Marten.Events;
using EventCrm.Tests.Customers;

namespace EventCrm.Tests.Analytics;

/// <summary>Text a spreadsheet would run as a formula reaches the CSV as text (OWASP CSV injection).</summary>
[Collection(AppCollection.Name)]
public class when_results_are_downloaded_as_csv(AppFixture app)
{
    [Theory]
    [InlineData("=HYPERLINK(\"http://evil.example\",\"x\")")]
    [InlineData("+1+1")]
    [InlineData("-2+3")]
    [InlineData("@SUM(A1)")]
    public void a_cell_that_would_be_a_formula_is_written_as_text(string text)
    {
        var csv = Formats.WriteCsv(new Table(["industry", "revenue"], [[text, -12.5m]]));

        var row = csv.Split('\n')[1];
        row.TrimStart('"').ShouldStartWith("'");
        row.ShouldContain(",-12.5", Case.Sensitive, "numbers stay numbers");
    }

    [Fact]
    public async Task a_stored_formula_in_a_customer_field_is_escaped_in_the_analytics_csv()
    {
        var industry = $"=HYPERLINK(\"http://evil.example/{Guid.NewGuid():N}\")";
        var id = await app.RegisterWith(new { name = "Formula Customer", email = AppFixture.NewEmail("csv"), industry });
        await app.Succeed(id, "purchases", new { version = 1, amount = 10m, currency = "EUR", product = "Mug", category = "Merch" });
        await app.Host.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));

        var result = await app.Analytics($"/api/analytics/revenue/breakdown?by=industry&industry={Uri.EscapeDataString(industry)}", "text/csv");
        var csv = await result.ReadAsTextAsync();

        csv.ShouldContain("'=HYPERLINK");
        csv.Split('\n').Skip(1).ShouldAllBe(line => !line.StartsWith('=') && !line.StartsWith("\"="));
    }
}
