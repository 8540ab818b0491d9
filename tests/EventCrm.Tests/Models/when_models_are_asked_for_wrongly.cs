using Alba;
using EventCrm.Infrastructure.Security;
using EventCrm.Tests.Customers;

namespace EventCrm.Tests.Models;

/// <summary>On the main test database, where no model has ever been trained.</summary>
[Collection(AppCollection.Name)]
public class when_models_are_asked_for_wrongly(AppFixture app)
{
    private Task<IScenarioResult> Send(Action<Scenario> configure, string role = Roles.Analyst) =>
        app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("nina", role));
            configure(s);
            s.IgnoreStatusCode();
        });

    [Fact]
    public async Task predictions_without_an_active_model_are_a_409()
    {
        var id = await app.Register(AppFixture.NewEmail());

        var result = await Send(s => s.Get.Url($"/api/customers/{id}/predictions"));

        (await result.ShouldBeProblem(409, "urn:eventcrm:problem:no-active-model")).GetProperty("detail").GetString()!.ShouldContain("train one");
    }

    [Fact]
    public async Task unknown_customers_opportunities_and_models_are_404s()
    {
        await (await Send(s => s.Get.Url($"/api/customers/{Guid.NewGuid()}/predictions"))).ShouldBeProblem(404);
        await (await Send(s => s.Get.Url($"/api/opportunities/{Guid.NewGuid()}/win-probability"))).ShouldBeProblem(404);
        await (await Send(s => s.Get.Url("/api/models/crystal-ball"))).ShouldBeProblem(404);
        await (await Send(s => s.Post.Json(new { }).ToUrl("/api/models/crystal-ball/train"))).ShouldBeProblem(404);
    }

    [Fact]
    public async Task a_feature_the_model_does_not_have_is_a_400()
    {
        var result = await Send(s => s.Post.Json(new { features = new[] { "ShoeSize" } }).ToUrl("/api/models/churn/train"));

        (await result.ShouldBeProblem(400)).GetProperty("errors").GetProperty("features")[0].GetString()!.ShouldStartWith("'ShoeSize' is not a feature of churn");
    }

    [Theory]
    [InlineData(Roles.Support)]
    [InlineData(Roles.Sales)]
    public async Task only_admins_and_analysts_train(string role)
    {
        var result = await Send(s => s.Post.Json(new { }).ToUrl("/api/models/churn/train"), role);

        result.Context.Response.StatusCode.ShouldBe(403);
    }

    [Fact]
    public async Task the_model_list_shows_every_model_with_its_schedule_and_no_active_version()
    {
        var result = await Send(s => s.Get.Url("/api/models"), Roles.Auditor);

        var list = (await result.Body()).EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!);
        list.Keys.ShouldBe(EventCrm.Models.ModelCatalog.Names, ignoreOrder: true);
        list["churn"].GetProperty("schedule").GetString().ShouldBe("0 2 * * *");
        list["segments"].GetProperty("kind").GetString().ShouldBe("clustering");
    }

    [Fact]
    public async Task bad_customer_list_filters_for_scores_are_400s()
    {
        var result = await Send(s => s.Get.Url("/api/customers?minChurnRisk=1.5"));

        (await result.ShouldBeProblem(400)).GetProperty("errors").TryGetProperty("minChurnRisk", out _).ShouldBeTrue();
    }
}
