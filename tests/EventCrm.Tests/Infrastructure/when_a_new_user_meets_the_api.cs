using System.Text.Json;
using EventCrm.Infrastructure.Security;
using EventCrm.Tests.Customers;

namespace EventCrm.Tests.Infrastructure;

/// <summary>The answers a first session meets say what to do next.</summary>
[Collection(AppCollection.Name)]
public class when_a_new_user_meets_the_api(AppFixture app)
{
    private Task<Alba.IScenarioResult> Get(string url, string role) => app.Host.Scenario(s =>
    {
        s.WithBearerToken(app.TokenFor("newbie", role));
        s.Get.Url(url);
        s.IgnoreStatusCode();
    });

    [Fact]
    public async Task a_403_names_the_roles_needed_and_the_ones_held()
    {
        var problem = await (await Get("/api/audit/events", Roles.Sales)).ShouldBeProblem(403, "urn:eventcrm:problem:forbidden");

        problem.GetProperty("detail").GetString().ShouldBe("This needs one of the roles admin, auditor; your token carries sales.");
        problem.GetProperty("rolesNeeded").EnumerateArray().Select(r => r.GetString()).ShouldBe(["admin", "auditor"]);
    }

    [Theory]
    [InlineData("UK", "did you mean 'GB'?")]
    [InlineData("England", "did you mean 'GB'?")]
    [InlineData("Narnia", "'Narnia' is not an ISO 3166")]
    public async Task a_country_that_is_not_one_is_quoted_with_what_was_meant(string country, string says)
    {
        var body = new { name = "Ada Lovelace", email = AppFixture.NewEmail("uk"), country };
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("newbie", Roles.Sales));
            s.Post.Json(body).ToUrl("/api/customers");
            s.IgnoreStatusCode();
        });
        var problem = await result.ShouldBeProblem(400);
        problem.GetProperty("errors").GetProperty("country")[0].GetString()!.ShouldContain(says);

        var list = await (await Get($"/api/customers?country={country}", Roles.Sales)).ShouldBeProblem(400);
        list.GetProperty("errors").GetProperty("country")[0].GetString()!.ShouldContain(says);
    }

    [Fact]
    public async Task an_as_of_in_the_future_is_refused_not_answered_as_today()
    {
        var id = await app.Register(AppFixture.NewEmail("future"));
        var later = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(2).ToString("O"));

        (await (await Get($"/api/reports/pipeline?asOf={later}", Roles.Sales)).ShouldBeProblem(400))
            .GetProperty("errors").GetProperty("asOf")[0].GetString()!.ShouldContain("in the future");
        (await (await Get($"/api/customers/{id}/as-of?at={later}", Roles.Auditor)).ShouldBeProblem(400))
            .GetProperty("errors").GetProperty("at")[0].GetString()!.ShouldContain("in the future");
    }

    [Fact]
    public async Task an_unknown_segment_is_refused_with_what_to_do()
    {
        var problem = await (await Get("/api/customers?segment=big%20spenders", Roles.Sales)).ShouldBeProblem(400);

        // This database has no trained segments model (the models' tests train in a database of their own).
        problem.GetProperty("errors").GetProperty("segment")[0].GetString()!.ShouldContain("train the 'segments' model");
    }

    [Fact]
    public async Task the_profile_sends_every_member_even_when_it_is_null()
    {
        var id = await app.Register(AppFixture.NewEmail("nulls"));

        var profile = await app.Profile(id);

        profile.GetProperty("age").ValueKind.ShouldBe(JsonValueKind.Null);
        profile.GetProperty("daysSinceLastPurchase").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task training_without_a_body_is_accepted_as_the_defaults()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("newbie", Roles.Analyst));
            s.Post.Url("/api/models/churn/train");
            s.IgnoreStatusCode();
        });

        // Not a 400 for the missing body: the request goes through to the model's own answer.
        result.Context.Response.StatusCode.ShouldNotBe(400, await result.ReadAsTextAsync());
        result.Context.Response.StatusCode.ShouldBeLessThan(500);
    }
}
