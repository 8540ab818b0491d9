using Alba;
using EventCrm.Infrastructure.Security;

namespace EventCrm.Tests.Customers;

[Collection(AppCollection.Name)]
public class when_a_customer_is_read_as_of_the_past(AppFixture app)
{
    private Task<IScenarioResult> AsOf(Guid id, string query) => app.Host.Scenario(s =>
    {
        s.WithBearerToken(app.TokenFor("audrey", Roles.Auditor));
        s.Get.Url($"/api/customers/{id}/as-of?{query}");
        s.IgnoreStatusCode();
    });

    private async Task<(Guid Id, string First, string Second)> CustomerWithTwoVersions()
    {
        var first = AppFixture.NewEmail("first");
        var second = AppFixture.NewEmail("second");
        var id = await app.Register(first);
        (await app.ChangeContact(id, new { version = 1, email = second })).Context.Response.StatusCode.ShouldBe(200);
        return (id, first, second);
    }

    [Fact]
    public async Task by_version_it_is_the_customer_after_that_event()
    {
        var (id, first, second) = await CustomerWithTwoVersions();

        var v1 = await (await AsOf(id, "version=1")).Body();
        v1.GetProperty("version").GetInt32().ShouldBe(1);
        v1.GetProperty("email").GetString().ShouldBe(first);

        var v2 = await (await AsOf(id, "version=2")).Body();
        v2.GetProperty("version").GetInt32().ShouldBe(2);
        v2.GetProperty("email").GetString().ShouldBe(second);
    }

    [Fact]
    public async Task by_time_it_is_the_customer_as_the_clock_stood_then()
    {
        var (id, first, second) = await CustomerWithTwoVersions();
        var history = await app.History(id);
        var registeredAt = history[0].GetProperty("timestamp").GetDateTimeOffset();
        var changedAt = history[1].GetProperty("timestamp").GetDateTimeOffset();

        var atRegistration = await (await AsOf(id, $"at={Uri.EscapeDataString(registeredAt.ToString("O"))}")).Body();
        atRegistration.GetProperty("email").GetString().ShouldBe(first);
        atRegistration.GetProperty("version").GetInt32().ShouldBe(1);

        var afterChange = await (await AsOf(id, $"at={Uri.EscapeDataString(changedAt.AddSeconds(1).ToString("O"))}")).Body();
        afterChange.GetProperty("email").GetString().ShouldBe(second);
        afterChange.GetProperty("version").GetInt32().ShouldBe(2);
    }

    [Fact]
    public async Task before_it_existed_there_is_no_customer()
    {
        var (id, _, _) = await CustomerWithTwoVersions();
        var history = await app.History(id);
        var before = history[0].GetProperty("timestamp").GetDateTimeOffset().AddMinutes(-1);

        await (await AsOf(id, $"at={Uri.EscapeDataString(before.ToString("O"))}")).ShouldBeProblem(404);
    }

    [Fact]
    public async Task a_version_it_never_had_is_a_404_naming_the_latest()
    {
        var (id, _, _) = await CustomerWithTwoVersions();
        var problem = await (await AsOf(id, "version=3")).ShouldBeProblem(404);
        problem.GetProperty("detail").GetString().ShouldNotBeNull().ShouldContain("latest is 2");
    }

    [Theory]
    [InlineData("")]
    [InlineData("version=1&at=2026-01-01T00:00:00Z")]
    [InlineData("version=0")]
    [InlineData("version=abc")]
    [InlineData("at=yesterday")]
    public async Task anything_but_one_version_or_one_time_is_a_400(string query)
    {
        var (id, _, _) = await CustomerWithTwoVersions();
        await (await AsOf(id, query)).ShouldBeProblem(400);
    }

    [Fact]
    public async Task an_unknown_customer_is_a_404()
    {
        await (await AsOf(Guid.NewGuid(), "version=1")).ShouldBeProblem(404);
    }
}
