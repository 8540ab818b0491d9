using System.Text.Json;
using EventCrm.Infrastructure.Security;

namespace EventCrm.Tests.Analytics;

[Collection(AppCollection.Name)]
public class when_customers_are_described(AppFixture app)
{
    private const string Fields = "age,income,totalSpent,purchaseCount,averagePurchase";

    [Fact]
    public async Task every_figure_matches_the_independent_reference_with_missing_values_left_out_per_field()
    {
        var reference = await ReferenceCustomers.In(app);

        var body = await app.AnalyticsJson($"/api/analytics/customers/describe?fields={Fields}&{reference.Filter}");

        var groups = body.GetProperty("groups");
        groups.GetArrayLength().ShouldBe(1);
        ShouldMatchReference(groups[0].GetProperty("fields"), reference.Expected.GetProperty("describe"));
    }

    [Fact]
    public async Task a_single_customer_has_no_standard_deviation_and_every_quantile_is_its_value()
    {
        var reference = await ReferenceCustomers.In(app);

        var body = await app.AnalyticsJson($"/api/analytics/customers/describe?fields={Fields}&country=AT&{reference.Filter}");

        ShouldMatchReference(body.GetProperty("groups")[0].GetProperty("fields"), reference.Expected.GetProperty("describeSingleRow"));
    }

    [Fact]
    public async Task grouped_by_country_each_group_counts_its_own_customers()
    {
        var reference = await ReferenceCustomers.In(app);

        var body = await app.AnalyticsJson($"/api/analytics/customers/describe?fields=age,totalSpent&groupBy=country&{reference.Filter}");

        var groups = body.GetProperty("groups").EnumerateArray().ToDictionary(g => g.GetProperty("group").GetString()!);
        groups.Keys.Order().ShouldBe(reference.Rows.Select(r => r.Country).Distinct().Order());
        foreach (var country in reference.Rows.GroupBy(r => r.Country))
        {
            var fields = groups[country.Key].GetProperty("fields");
            fields.GetProperty("age").GetProperty("count").GetInt64().ShouldBe(country.Count(r => r.Age is not null), country.Key);
            fields.GetProperty("totalSpent").GetProperty("max").GetDecimal()
                .ShouldBe(country.Max(r => r.Purchases.Sum(p => p.Amount)), country.Key);
        }
    }

    [Fact]
    public async Task as_csv_there_is_a_row_per_field_with_the_same_figures()
    {
        var reference = await ReferenceCustomers.In(app);

        var result = await app.Analytics($"/api/analytics/customers/describe?fields=age,income&{reference.Filter}", "text/csv");

        result.Context.Response.ContentType.ShouldBe("text/csv; charset=utf-8");
        var lines = (await result.ReadAsTextAsync()).TrimEnd().Split("\r\n");
        lines[0].ShouldBe("group,field,count,mean,std,min,25%,50%,75%,max");
        lines.Length.ShouldBe(3);
        var age = lines[1].Split(',');
        age[1].ShouldBe("age");
        age[2].ShouldBe("10");
        double.Parse(age[3], System.Globalization.CultureInfo.InvariantCulture)
            .ShouldBe(reference.Expected.GetProperty("describe").GetProperty("age").GetProperty("mean").GetDouble(), 1e-9);
        lines[2].Split(',')[1].ShouldBe("income");
    }

    [Fact]
    public async Task unknown_fields_and_groupings_are_refused_with_the_known_ones_named()
    {
        var result = await app.Analytics("/api/analytics/customers/describe?fields=age,shoeSize&groupBy=starSign");

        var errors = (await result.ShouldBeProblem(400)).GetProperty("errors");
        errors.GetProperty("fields")[0].GetString()!.ShouldContain("'shoeSize' is not a field; known: age, income");
        errors.GetProperty("groupBy")[0].GetString()!.ShouldContain("country");
    }

    [Fact]
    public async Task no_fields_at_all_is_refused()
    {
        var result = await app.Analytics("/api/analytics/customers/describe");

        (await result.ShouldBeProblem(400)).GetProperty("errors").GetProperty("fields").GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task a_format_it_cannot_give_is_refused_with_406()
    {
        var result = await app.Analytics("/api/analytics/customers/describe?fields=age", "image/png");

        (await result.ShouldBeProblem(406)).GetProperty("detail").GetString().ShouldBe("Ask for application/json or text/csv.");
    }

    [Theory]
    [InlineData(Roles.Support)]
    [InlineData(Roles.Auditor)]
    public async Task roles_without_analytics_are_forbidden(string role)
    {
        var result = await app.Analytics("/api/analytics/customers/describe?fields=age", role: role);

        result.Context.Response.StatusCode.ShouldBe(403);
    }

    [Fact]
    public async Task without_a_token_the_answer_is_401()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.Get.Url("/api/analytics/customers/describe?fields=age");
            s.StatusCodeShouldBe(401);
        });
        result.Context.Response.StatusCode.ShouldBe(401);
    }

    private static void ShouldMatchReference(JsonElement actual, JsonElement expected)
    {
        foreach (var field in expected.EnumerateObject())
        {
            var summary = actual.GetProperty(field.Name);
            summary.GetProperty("count").GetInt64().ShouldBe(field.Value.GetProperty("count").GetInt64(), field.Name);
            foreach (var (name, reference) in new[] { ("mean", "mean"), ("std", "std"), ("min", "min"), ("p25", "p25"), ("p50", "p50"), ("p75", "p75"), ("max", "max") })
                summary.GetProperty(name).ShouldMatch(field.Value.GetProperty(reference), $"{field.Name}.{name}");
        }
    }
}
