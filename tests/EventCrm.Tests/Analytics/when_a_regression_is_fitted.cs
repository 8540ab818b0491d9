using Microsoft.AspNetCore.Http;

namespace EventCrm.Tests.Analytics;

[Collection(AppCollection.Name)]
public class when_a_regression_is_fitted(AppFixture app)
{
    [Fact]
    public async Task coefficients_standard_errors_and_r_squared_are_those_of_ordinary_least_squares()
    {
        var reference = await ReferenceCustomers.In(app);
        var expected = reference.Expected.GetProperty("regression");

        var body = await app.AnalyticsJson($"/api/analytics/customers/regression?target=totalSpent&features=age,income&{reference.Filter}");

        body.GetProperty("n").GetInt64().ShouldBe(expected.GetProperty("n").GetInt64());
        // Solved from aggregates in floating point; the reference is exact rational arithmetic.
        Close(body.GetProperty("intercept").GetDouble(), expected.GetProperty("intercept").GetDouble());
        Close(body.GetProperty("rSquared").GetDouble(), expected.GetProperty("rSquared").GetDouble());
        Close(body.GetProperty("interceptStandardError").GetDouble(), expected.GetProperty("interceptStandardError").GetDouble());
        foreach (var feature in new[] { "age", "income" })
        {
            Close(body.GetProperty("coefficients").GetProperty(feature).GetDouble(), expected.GetProperty("coefficients").GetProperty(feature).GetDouble());
            Close(body.GetProperty("standardErrors").GetProperty(feature).GetDouble(), expected.GetProperty("standardErrors").GetProperty(feature).GetDouble());
        }
    }

    [Fact]
    public async Task as_csv_each_term_is_a_row()
    {
        var reference = await ReferenceCustomers.In(app);

        var result = await app.Analytics($"/api/analytics/customers/regression?target=totalSpent&features=age,income&{reference.Filter}", "text/csv");

        var lines = (await result.ReadAsTextAsync()).TrimEnd().Split("\r\n");
        lines.Select(l => l.Split(',')[0]).ShouldBe(["term", "intercept", "age", "income"]);
    }

    [Fact]
    public async Task too_few_complete_rows_is_a_422_that_says_how_many_there_are()
    {
        var reference = await ReferenceCustomers.In(app);

        var result = await app.Analytics($"/api/analytics/customers/regression?target=totalSpent&features=age,income&country=AT&{reference.Filter}");

        (await result.ShouldBeProblem(StatusCodes.Status422UnprocessableEntity)).GetProperty("detail").GetString()
            .ShouldBe("1 rows have the target and every feature; at least 4 are needed.");
    }

    [Fact]
    public async Task the_target_cannot_also_be_a_feature()
    {
        var result = await app.Analytics("/api/analytics/customers/regression?target=age&features=age,income");

        (await result.ShouldBeProblem(400)).GetProperty("errors").GetProperty("features")[0].GetString()
            .ShouldBe("The target cannot be one of the features.");
    }

    private static void Close(double actual, double expected) =>
        Math.Abs(actual - expected).ShouldBeLessThanOrEqualTo(1e-7 * Math.Max(1, Math.Abs(expected)), $"{actual} vs {expected}");
}
