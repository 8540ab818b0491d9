namespace EventCrm.Tests.Analytics;

[Collection(AppCollection.Name)]
public class when_customer_fields_are_correlated(AppFixture app)
{
    [Fact]
    public async Task each_coefficient_is_pearsons_over_the_rows_where_both_fields_are_present()
    {
        var reference = await ReferenceCustomers.In(app);
        string[] fields = ["age", "income", "totalSpent"];

        var body = await app.AnalyticsJson($"/api/analytics/customers/correlation?fields={string.Join(',', fields)}&{reference.Filter}");

        body.GetProperty("fields").EnumerateArray().Select(f => f.GetString()).ShouldBe(fields);
        var expected = reference.Expected.GetProperty("correlation");
        for (var i = 0; i < fields.Length; i++)
            for (var j = 0; j < fields.Length; j++)
            {
                var pair = expected.GetProperty($"{fields[i]}|{fields[j]}");
                body.GetProperty("matrix")[i][j].ShouldMatch(pair.GetProperty("r"), $"r({fields[i]}, {fields[j]})");
                body.GetProperty("pairs")[i][j].GetInt64().ShouldBe(pair.GetProperty("n").GetInt64(), $"n({fields[i]}, {fields[j]})");
            }
    }

    [Fact]
    public async Task a_field_that_does_not_vary_has_no_coefficient()
    {
        var reference = await ReferenceCustomers.In(app);

        var body = await app.AnalyticsJson($"/api/analytics/customers/correlation?fields=age,income&country=AT&{reference.Filter}");

        body.GetProperty("matrix")[0][1].ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
        body.GetProperty("pairs")[0][1].GetInt64().ShouldBe(1);
    }

    [Fact]
    public async Task as_a_heatmap_it_shows_every_coefficient()
    {
        var reference = await ReferenceCustomers.In(app);

        var svg = await (await app.Analytics($"/api/analytics/customers/correlation?fields=age,income,totalSpent&{reference.Filter}", "image/svg+xml"))
            .ShouldBeSvg("Pearson correlation");

        var texts = svg.Texts();
        texts.ShouldContain("0.32"); // r(age, income) = 0.3207
        texts.ShouldContain("0.19"); // r(age, totalSpent) = 0.1905
        texts.ShouldContain("0.31"); // r(income, totalSpent) = 0.3107
        await (await app.Analytics($"/api/analytics/customers/correlation?fields=age,income,totalSpent&{reference.Filter}", "image/png")).ShouldBePng();
    }

    [Fact]
    public async Task one_field_is_not_enough()
    {
        var result = await app.Analytics("/api/analytics/customers/correlation?fields=age");

        (await result.ShouldBeProblem(400)).GetProperty("errors").GetProperty("fields")[0].GetString()!.ShouldStartWith("'fields' names 2-");
    }
}
