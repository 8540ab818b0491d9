namespace EventCrm.Tests.Analytics;

/// <summary>
/// A filter that matches no one still answers with a chart that says so, in every chart the API draws: an empty
/// heat map or histogram has no scale, and a chart library asked to scale nothing fails.
/// </summary>
[Collection(AppCollection.Name)]
public class when_a_chart_has_nothing_to_draw(AppFixture app)
{
    private const string NoOne = "region=Nowhere%20Region%20Nobody%20Lives";

    [Theory]
    [InlineData("/api/analytics/customers/cohorts?from=2025-01-01&to=2025-06-30&" + NoOne)]
    [InlineData("/api/analytics/customers/histogram?field=age&bins=5&" + NoOne)]
    [InlineData("/api/analytics/customers/correlation?fields=age,income,totalSpent&" + NoOne)]
    [InlineData("/api/analytics/revenue/monthly?from=2025-01-01&to=2025-06-30&" + NoOne)]
    [InlineData("/api/analytics/revenue/breakdown?by=category&" + NoOne)]
    [InlineData("/api/analytics/revenue/breakdown?by=country&chart=pie&" + NoOne)]
    [InlineData("/api/analytics/opportunities/breakdown?by=stage&from=1801-01-01&to=1801-01-31")]
    [InlineData("/api/analytics/tickets/monthly?kind=complaint&priority=urgent&channel=chat")]
    public async Task it_is_still_a_chart(string url)
    {
        foreach (var accept in new[] { "image/svg+xml", "image/png" })
        {
            var result = await app.Analytics(url, accept);
            if (accept == "image/png") await result.ShouldBePng();
            else
            {
                result.Context.Response.StatusCode.ShouldBe(200, await result.ReadAsTextAsync());
                result.Context.Response.ContentType!.ShouldStartWith("image/svg+xml");
                var svg = System.Xml.Linq.XDocument.Parse(await result.ReadAsTextAsync());
                svg.Root!.Name.LocalName.ShouldBe("svg");
                svg.Texts().ShouldNotBeEmpty("a chart with nothing to draw still has its title");
                if (url.Contains("cohorts")) svg.Texts().ShouldContain("No customers in these cohorts.");
                if (url.Contains("correlation")) svg.Texts().ShouldContain("Too few customers to correlate these fields.");
            }
        }
    }
}
