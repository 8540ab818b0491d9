using Alba;
using EventCrm.Infrastructure.Security;

namespace EventCrm.Tests.Infrastructure;

/// <summary>GET /api/me: what a client such as the web console shows the caller may use, from the policy table itself.</summary>
[Collection(AppCollection.Name)]
public class when_a_caller_asks_who_they_are(AppFixture app)
{
    [Fact]
    public async Task the_answer_names_the_user_the_roles_the_policies_they_pass_and_the_expiry()
    {
        var now = DateTimeOffset.UtcNow;
        var token = DevelopmentTokens.Mint(app.Auth, "audrey", [Roles.Auditor], now, TimeSpan.FromMinutes(20));
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(token);
            s.Get.Url("/api/me");
        });
        var body = await result.Body();
        body.GetProperty("user").GetString().ShouldBe("audrey");
        body.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).ShouldBe(["auditor"]);
        body.GetProperty("policies").EnumerateArray().Select(p => p.GetString())
            .ShouldBe([Policies.Audit, Policies.CustomersRead, Policies.MarketingHistory, Policies.ModelsRead, Policies.SalesRead, Policies.ServiceRead]);
        body.GetProperty("expiresAt").GetDateTimeOffset().ShouldBe(now.AddMinutes(20), TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task each_policy_it_names_is_one_the_roles_pass_and_none_is_left_out()
    {
        foreach (var roles in new[] { new[] { Roles.Analyst }, [Roles.Sales, Roles.Support], [Roles.Admin] })
        {
            var result = await app.Host.Scenario(s =>
            {
                s.WithBearerToken(app.TokenFor("someone", roles));
                s.Get.Url("/api/me");
            });
            var policies = (await result.Body()).GetProperty("policies").EnumerateArray().Select(p => p.GetString()!).ToList();
            var expected = Policies.RolesFor.Where(p => p.Key != Policies.SignedIn && p.Value.Intersect(roles).Any()).Select(p => p.Key).Order(StringComparer.Ordinal);
            policies.ShouldBe([.. expected], string.Join(",", roles));
        }
    }

    [Fact]
    public async Task without_a_valid_token_it_is_a_401()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.Get.Url("/api/me");
            s.StatusCodeShouldBe(401);
        });
        result.Context.Response.StatusCode.ShouldBe(401);
    }
}
