using Alba;
using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Marten;

namespace EventCrm.Tests.Infrastructure;

[Collection(AppCollection.Name)]
public class when_a_command_is_retried_with_an_idempotency_key(AppFixture app)
{
    private Task<IScenarioResult> Register(string key, object body, string user = "ivy") => app.Host.Scenario(s =>
    {
        s.WithBearerToken(app.TokenFor(user, Roles.Sales));
        s.WithRequestHeader("Idempotency-Key", key);
        s.Post.Json(body).ToUrl("/api/customers");
        s.IgnoreStatusCode();
    });

    private async Task<int> CustomersWith(string email)
    {
        await using var session = app.Store.QuerySession();
        return await session.Query<CustomerProfile>().CountAsync(p => p.Email == email);
    }

    [Fact]
    public async Task the_retry_gets_the_first_response_and_the_command_runs_once()
    {
        var key = Guid.NewGuid().ToString();
        var body = new { name = "Once Only", email = AppFixture.NewEmail("once") };

        var first = await Register(key, body);
        var retry = await Register(key, body);

        first.Context.Response.StatusCode.ShouldBe(201);
        retry.Context.Response.StatusCode.ShouldBe(201);
        (await retry.ReadAsTextAsync()).ShouldBe(await first.ReadAsTextAsync());
        retry.Header("Location").ShouldBe(first.Header("Location"));
        retry.Header(Idempotency.ReplayedHeader).ShouldBe("true");
        first.Header(Idempotency.ReplayedHeader).ShouldBeNull();
        (await CustomersWith(body.email)).ShouldBe(1);
    }

    [Fact]
    public async Task the_key_is_recorded_on_the_events_it_produced()
    {
        var key = Guid.NewGuid().ToString();
        var first = await Register(key, new { name = "Keyed", email = AppFixture.NewEmail() });
        var id = (await first.Body()).GetProperty("id").GetGuid();

        await using var session = app.Store.QuerySession();
        var registered = (await session.Events.FetchStreamAsync(id)).Single();
        registered.Headers.ShouldNotBeNull()["idempotencyKey"].ToString().ShouldBe(key);
    }

    [Fact]
    public async Task a_refused_request_is_not_stored_so_the_corrected_retry_runs()
    {
        var key = Guid.NewGuid().ToString();
        var invalid = new { name = "", email = "nope" };

        var first = await Register(key, invalid);
        var again = await Register(key, invalid);

        await first.ShouldBeProblem(400);
        await again.ShouldBeProblem(400);
        again.Header(Idempotency.ReplayedHeader).ShouldBeNull();
    }

    [Fact]
    public async Task concurrent_repeats_are_all_answered_with_the_one_customer_they_created()
    {
        var key = Guid.NewGuid().ToString();
        var body = new { name = "Many At Once", email = AppFixture.NewEmail("many") };

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Register(key, body)));

        answers.Select(a => a.Context.Response.StatusCode).ShouldAllBe(status => status == 201);
        var ids = await Task.WhenAll(answers.Select(async a => (await a.Body()).GetProperty("id").GetGuid()));
        ids.Distinct().ShouldHaveSingleItem();
        (await CustomersWith(body.email)).ShouldBe(1);
        await using var session = app.Store.QuerySession();
        (await session.Events.FetchStreamAsync(ids[0])).Count.ShouldBe(1);
    }

    [Fact]
    public async Task the_same_key_with_a_different_body_is_a_422_and_changes_nothing()
    {
        var key = Guid.NewGuid().ToString();
        await Register(key, new { name = "First", email = AppFixture.NewEmail() });
        var otherEmail = AppFixture.NewEmail("other");

        var reused = await Register(key, new { name = "Second", email = otherEmail });

        await reused.ShouldBeProblem(422, "urn:eventcrm:problem:rule-violation");
        (await CustomersWith(otherEmail)).ShouldBe(0);
    }

    [Fact]
    public async Task keys_belong_to_a_user_so_two_users_can_use_the_same_one()
    {
        var key = "shared-key-" + Guid.NewGuid();
        var a = await Register(key, new { name = "A", email = AppFixture.NewEmail() }, user: "amy");
        var b = await Register(key, new { name = "B", email = AppFixture.NewEmail() }, user: "ben");

        a.Context.Response.StatusCode.ShouldBe(201);
        b.Context.Response.StatusCode.ShouldBe(201);
        b.Header(Idempotency.ReplayedHeader).ShouldBeNull();
        (await b.Body()).GetProperty("id").GetGuid().ShouldNotBe((await a.Body()).GetProperty("id").GetGuid());
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("ünïcode")]
    public async Task a_malformed_key_is_a_400(string key)
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("ivy", Roles.Sales));
            s.WithRequestHeader("Idempotency-Key", key);
            s.Post.Json(new { name = "X", email = AppFixture.NewEmail() }).ToUrl("/api/customers");
            s.IgnoreStatusCode();
        });
        await result.ShouldBeProblem(400);
    }

    [Fact]
    public async Task an_overlong_key_is_a_400()
    {
        var result = await Register(new string('k', Idempotency.MaxKeyLength + 1), new { name = "X", email = AppFixture.NewEmail() });
        await result.ShouldBeProblem(400);
    }

    [Fact]
    public void wolverines_replay_marker_is_found_so_replays_are_marked() => Idempotency.RepeatAnswered.ShouldNotBeNull();
}
