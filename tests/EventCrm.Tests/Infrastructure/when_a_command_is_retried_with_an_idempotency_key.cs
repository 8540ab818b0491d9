using Alba;
using EventCrm.Customers;
using EventCrm.Infrastructure.Idempotency;
using EventCrm.Infrastructure.Security;
using Marten;
using Microsoft.Extensions.Time.Testing;

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
        retry.Header(IdempotencyMiddleware.ReplayedHeader).ShouldBe("true");
        first.Header(IdempotencyMiddleware.ReplayedHeader).ShouldBeNull();
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
    public async Task an_error_response_is_replayed_too()
    {
        var key = Guid.NewGuid().ToString();
        var invalid = new { name = "", email = "nope" };

        var first = await Register(key, invalid);
        var retry = await Register(key, invalid);

        await first.ShouldBeProblem(400);
        await retry.ShouldBeProblem(400);
        retry.Header(IdempotencyMiddleware.ReplayedHeader).ShouldBe("true");
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
        b.Header(IdempotencyMiddleware.ReplayedHeader).ShouldBeNull();
        (await b.Body()).GetProperty("id").GetGuid().ShouldNotBe((await a.Body()).GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task a_key_still_in_progress_is_a_409_with_retry_after()
    {
        var key = Guid.NewGuid().ToString();
        var body = new { name = "Slow", email = AppFixture.NewEmail() };
        await Register(key, body);
        await MarkUnfinished("ivy", key);

        var retry = await Register(key, body);

        await retry.ShouldBeProblem(409, "urn:eventcrm:problem:request-in-progress");
        retry.Header("Retry-After").ShouldBe("1");
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
        var result = await Register(new string('k', IdempotencyMiddleware.MaxKeyLength + 1), new { name = "X", email = AppFixture.NewEmail() });
        await result.ShouldBeProblem(400);
    }

    [Fact]
    public async Task keys_past_their_retention_are_swept_and_can_be_used_again()
    {
        var key = Guid.NewGuid().ToString();
        var first = await Register(key, new { name = "Old", email = AppFixture.NewEmail() });
        first.Context.Response.StatusCode.ShouldBe(201);

        var later = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(25));
        await new ExpireIdempotencyKeys(app.Store, later).Run(CancellationToken.None);

        var reused = await Register(key, new { name = "New", email = AppFixture.NewEmail() });
        reused.Context.Response.StatusCode.ShouldBe(201);
        reused.Header(IdempotencyMiddleware.ReplayedHeader).ShouldBeNull();
    }

    [Fact]
    public async Task the_sweep_keeps_keys_within_their_retention()
    {
        var key = Guid.NewGuid().ToString();
        var body = new { name = "Kept", email = AppFixture.NewEmail() };
        await Register(key, body);

        var soon = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(23));
        await new ExpireIdempotencyKeys(app.Store, soon).Run(CancellationToken.None);

        (await Register(key, body)).Header(IdempotencyMiddleware.ReplayedHeader).ShouldBe("true");
    }

    private async Task MarkUnfinished(string user, string key)
    {
        await using var session = app.Store.LightweightSession();
        var record = await session.Query<IdempotencyRecord>().SingleAsync(r => r.User == user && r.Key == key);
        record.Completed = false;
        session.Update(record);
        await session.SaveChangesAsync();
    }
}
