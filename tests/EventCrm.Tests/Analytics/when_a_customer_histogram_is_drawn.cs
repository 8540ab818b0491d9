namespace EventCrm.Tests.Analytics;

[Collection(AppCollection.Name)]
public class when_a_customer_histogram_is_drawn(AppFixture app)
{
    [Theory]
    [InlineData("age", 4)]
    [InlineData("income", 3)]
    [InlineData("totalSpent", 5)]
    public async Task the_edges_and_counts_are_numpys(string field, int bins)
    {
        var reference = await ReferenceCustomers.In(app);
        var expected = reference.Expected.GetProperty("histogram").GetProperty($"{field}/{bins}");

        var body = await app.AnalyticsJson($"/api/analytics/customers/histogram?field={field}&bins={bins}&{reference.Filter}");

        body.GetProperty("edges").EnumerateArray().Zip(expected.GetProperty("edges").EnumerateArray())
            .ToList().ForEach(pair => pair.First.ShouldMatch(pair.Second, $"{field} edge"));
        body.GetProperty("edges").GetArrayLength().ShouldBe(bins + 1);
        body.GetProperty("counts").EnumerateArray().Select(c => c.GetInt64())
            .ShouldBe(expected.GetProperty("counts").EnumerateArray().Select(c => c.GetInt64()));
        body.GetProperty("count").GetInt64().ShouldBe(expected.GetProperty("counts").EnumerateArray().Sum(c => c.GetInt64()));
    }

    [Fact]
    public async Task one_customer_gives_one_bin_a_unit_wide_around_the_value()
    {
        var reference = await ReferenceCustomers.In(app);

        var body = await app.AnalyticsJson($"/api/analytics/customers/histogram?field=age&bins=2&country=AT&{reference.Filter}");

        body.GetProperty("edges").EnumerateArray().Select(e => e.GetDouble()).ShouldBe([43.5, 44, 44.5]);
        body.GetProperty("counts").EnumerateArray().Select(c => c.GetInt64()).ShouldBe([0L, 1L]);
    }

    [Fact]
    public async Task no_customers_gives_no_bins()
    {
        var body = await app.AnalyticsJson($"/api/analytics/customers/histogram?field=age&industry=nobody-{Guid.NewGuid():N}");

        body.GetProperty("count").GetInt64().ShouldBe(0);
        body.GetProperty("counts").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task as_png_it_is_a_chart_whose_pixels_follow_the_data()
    {
        var reference = await ReferenceCustomers.In(app);

        var ages = await (await app.Analytics($"/api/analytics/customers/histogram?field=age&bins=4&{reference.Filter}", "image/png")).ShouldBePng();
        var incomes = await (await app.Analytics($"/api/analytics/customers/histogram?field=income&bins=4&{reference.Filter}", "image/png")).ShouldBePng();
        var agesAgain = await (await app.Analytics($"/api/analytics/customers/histogram?field=age&bins=4&{reference.Filter}", "image/png")).ShouldBePng();

        incomes.ShouldNotBe(ages);
        agesAgain.ShouldBe(ages);
    }

    [Fact]
    public async Task as_svg_it_has_a_bar_per_bin_and_labelled_axes()
    {
        var reference = await ReferenceCustomers.In(app);

        var svg = await (await app.Analytics($"/api/analytics/customers/histogram?field=age&bins=4&{reference.Filter}", "image/svg+xml"))
            .ShouldBeSvg("Customers by age (10 with a value, 4 bins)");

        var texts = svg.Texts();
        texts.ShouldContain("customers");
        texts.ShouldContain("age");
    }

    [Fact]
    public async Task as_csv_each_bin_is_a_row()
    {
        var reference = await ReferenceCustomers.In(app);

        var result = await app.Analytics($"/api/analytics/customers/histogram?field=age&bins=4&{reference.Filter}", "text/csv");

        (await result.ReadAsTextAsync()).ShouldBe("binStart,binEnd,count\r\n23,34,3\r\n34,45,3\r\n45,56,2\r\n56,67,2\r\n");
    }

    [Theory]
    [InlineData("field=age&bins=0", "bins")]
    [InlineData("field=age&bins=201", "bins")]
    [InlineData("field=age,income", "field")]
    [InlineData("bins=3", "field")]
    public async Task bad_requests_name_what_is_wrong(string query, string parameter)
    {
        var result = await app.Analytics($"/api/analytics/customers/histogram?{query}");

        (await result.ShouldBeProblem(400)).GetProperty("errors").TryGetProperty(parameter, out _).ShouldBeTrue();
    }
}
