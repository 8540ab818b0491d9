using System.Globalization;

namespace EventCrm.Tests.Analytics;

[Collection(AppCollection.Name)]
public class when_revenue_trends_are_read(AppFixture app)
{
    [Fact]
    public async Task each_month_has_its_revenue_purchases_and_buyers_and_empty_months_are_zero()
    {
        var reference = await ReferenceCustomers.In(app);
        var purchases = reference.Rows.SelectMany(r => r.Purchases.Select(p => (Customer: r.Name, Purchase: p))).ToList();

        var body = await app.AnalyticsJson($"/api/analytics/revenue/monthly?{reference.Filter}");

        body.GetProperty("currency").GetString().ShouldBe("EUR");
        var months = body.GetProperty("months").EnumerateArray().ToList();
        months.Count.ShouldBe(12);
        var today = app.Clock.GetUtcNow();
        months[^1].GetProperty("month").GetString().ShouldBe(today.ToString("yyyy-MM", CultureInfo.InvariantCulture));
        foreach (var month in months)
        {
            var key = month.GetProperty("month").GetString();
            var inMonth = purchases.Where(p => p.Purchase.At.UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture) == key).ToList();
            month.GetProperty("revenue").GetDecimal().ShouldBe(inMonth.Sum(p => p.Purchase.Amount), key);
            month.GetProperty("purchases").GetInt64().ShouldBe(inMonth.Count, key);
            month.GetProperty("buyers").GetInt64().ShouldBe(inMonth.Select(p => p.Customer).Distinct().Count(), key);
        }
        months.Sum(m => m.GetProperty("revenue").GetDecimal()).ShouldBe(purchases.Sum(p => p.Purchase.Amount));
    }

    [Fact]
    public async Task by_category_each_share_is_of_the_periods_revenue_largest_first()
    {
        var reference = await ReferenceCustomers.In(app);
        var purchases = reference.Rows.SelectMany(r => r.Purchases).ToList();
        var total = purchases.Sum(p => p.Amount);

        var body = await app.AnalyticsJson($"/api/analytics/revenue/breakdown?by=category&{reference.Filter}");

        body.GetProperty("total").GetDecimal().ShouldBe(total);
        var rows = body.GetProperty("rows").EnumerateArray().ToList();
        rows.Select(r => r.GetProperty("key").GetString())
            .ShouldBe(purchases.GroupBy(p => p.Category).OrderByDescending(g => g.Sum(p => p.Amount)).Select(g => g.Key));
        foreach (var row in rows)
        {
            var category = purchases.Where(p => p.Category == row.GetProperty("key").GetString()).ToList();
            row.GetProperty("revenue").GetDecimal().ShouldBe(category.Sum(p => p.Amount));
            row.GetProperty("purchases").GetInt64().ShouldBe(category.Count);
            row.GetProperty("share").GetDecimal().ShouldBe(decimal.Round(category.Sum(p => p.Amount) / total, 4, MidpointRounding.AwayFromZero));
        }
    }

    [Fact]
    public async Task by_country_the_buyers_are_counted_once_each()
    {
        var reference = await ReferenceCustomers.In(app);

        var body = await app.AnalyticsJson($"/api/analytics/revenue/breakdown?by=country&{reference.Filter}");

        var rows = body.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("key").GetString()!);
        rows.Keys.Order().ShouldBe(reference.Rows.Where(r => r.Purchases.Count > 0).Select(r => r.Country).Distinct().Order());
        foreach (var country in reference.Rows.Where(r => r.Purchases.Count > 0).GroupBy(r => r.Country))
        {
            rows[country.Key].GetProperty("buyers").GetInt64().ShouldBe(country.Count());
            rows[country.Key].GetProperty("revenue").GetDecimal().ShouldBe(country.Sum(r => r.Purchases.Sum(p => p.Amount)));
        }
    }

    [Fact]
    public async Task a_period_before_any_purchase_has_none()
    {
        var reference = await ReferenceCustomers.In(app);

        var body = await app.AnalyticsJson($"/api/analytics/revenue/monthly?from=2001-01-01&to=2001-03-31&{reference.Filter}");

        body.GetProperty("months").EnumerateArray().Select(m => m.GetProperty("month").GetString()).ShouldBe(["2001-01", "2001-02", "2001-03"]);
        body.GetProperty("months").EnumerateArray().ShouldAllBe(m => m.GetProperty("revenue").GetDecimal() == 0);
    }

    [Fact]
    public async Task the_charts_are_a_line_a_bar_and_a_pie()
    {
        var reference = await ReferenceCustomers.In(app);

        await (await app.Analytics($"/api/analytics/revenue/monthly?{reference.Filter}", "image/svg+xml")).ShouldBeSvg("Revenue per month (EUR");
        await (await app.Analytics($"/api/analytics/revenue/breakdown?by=category&{reference.Filter}", "image/svg+xml")).ShouldBeSvg("Revenue by category (EUR");
        var pie = await (await app.Analytics($"/api/analytics/revenue/breakdown?by=category&chart=pie&{reference.Filter}", "image/png")).ShouldBePng();
        var bars = await (await app.Analytics($"/api/analytics/revenue/breakdown?by=category&chart=bar&{reference.Filter}", "image/png")).ShouldBePng();
        pie.ShouldNotBe(bars);
    }

    [Fact]
    public async Task the_monthly_csv_has_a_row_per_month()
    {
        var reference = await ReferenceCustomers.In(app);

        var result = await app.Analytics($"/api/analytics/revenue/monthly?from=2001-01-01&to=2001-02-28&{reference.Filter}", "text/csv");

        (await result.ReadAsTextAsync()).ShouldBe("month,currency,revenue,purchases,buyers,complete\r\n2001-01,EUR,0,0,0,true\r\n2001-02,EUR,0,0,0,true\r\n");
    }

    [Theory]
    [InlineData("/api/analytics/revenue/breakdown?by=shoeSize", "by")]
    [InlineData("/api/analytics/revenue/breakdown?by=category&chart=radar", "chart")]
    [InlineData("/api/analytics/revenue/monthly?from=2026-02-01&to=2026-01-01", "from")]
    [InlineData("/api/analytics/revenue/monthly?from=2000-01-01&to=2026-01-01", "from")]
    [InlineData("/api/analytics/revenue/monthly?currency=EURO", "currency")]
    public async Task bad_requests_name_what_is_wrong(string url, string parameter)
    {
        var result = await app.Analytics(url);

        (await result.ShouldBeProblem(400)).GetProperty("errors").TryGetProperty(parameter, out _).ShouldBeTrue();
    }
}
