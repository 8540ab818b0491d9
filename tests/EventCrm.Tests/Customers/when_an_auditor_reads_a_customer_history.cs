using Alba;
using EventCrm.Infrastructure.Security;

namespace EventCrm.Tests.Customers;

[Collection(AppCollection.Name)]
public class when_an_auditor_reads_a_customer_history(AppFixture app)
{
    [Fact]
    public async Task every_event_comes_oldest_first_with_who_when_and_why()
    {
        var first = AppFixture.NewEmail("first");
        var second = AppFixture.NewEmail("second");
        var id = await app.Register(first, token: app.TokenFor("alice", Roles.Sales));
        await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("bob", Roles.Sales));
            s.WithRequestHeader("X-Correlation-Id", "ticket-4711");
            s.Post.Json(new { version = 1, email = second }).ToUrl($"/api/customers/{id}/contact-details");
        });

        var history = await app.History(id);

        history.GetArrayLength().ShouldBe(2);
        var registered = history[0];
        var changed = history[1];
        registered.GetProperty("version").GetInt64().ShouldBe(1);
        changed.GetProperty("version").GetInt64().ShouldBe(2);
        changed.GetProperty("sequence").GetInt64().ShouldBeGreaterThan(registered.GetProperty("sequence").GetInt64());
        registered.GetProperty("type").GetString().ShouldBe("customer_registered");
        changed.GetProperty("type").GetString().ShouldBe("contact_details_changed");
        registered.GetProperty("user").GetString().ShouldBe("alice");
        changed.GetProperty("user").GetString().ShouldBe("bob");
        changed.GetProperty("correlationId").GetString().ShouldBe("ticket-4711");
        changed.GetProperty("causationId").GetString().ShouldNotBeNullOrWhiteSpace();
        changed.GetProperty("headers").GetProperty("source").GetString().ShouldBe("api");
        registered.GetProperty("data").GetProperty("email").GetString().ShouldBe(first);
        changed.GetProperty("data").GetProperty("email").GetString().ShouldBe(second);
        changed.GetProperty("timestamp").GetDateTimeOffset()
            .ShouldBeGreaterThanOrEqualTo(registered.GetProperty("timestamp").GetDateTimeOffset());
    }

    [Fact]
    public async Task the_correlation_id_is_echoed_to_the_client_and_matches_the_event()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("alice", Roles.Sales));
            s.Post.Json(new { name = "Echo", email = AppFixture.NewEmail() }).ToUrl("/api/customers");
            s.StatusCodeShouldBe(201);
        });
        var correlationId = result.Header("X-Correlation-Id").ShouldNotBeNull();
        var requestId = result.Header("X-Request-Id").ShouldNotBeNull();
        var id = (await result.Body()).GetProperty("id").GetGuid();

        var registered = (await app.History(id))[0];
        registered.GetProperty("correlationId").GetString().ShouldBe(correlationId);
        registered.GetProperty("causationId").GetString().ShouldBe(requestId);
    }

    [Fact]
    public async Task a_malformed_correlation_id_from_the_caller_is_replaced()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("alice", Roles.Sales));
            s.WithRequestHeader("X-Correlation-Id", "<script>alert(1)</script>");
            s.Post.Json(new { name = "Echo", email = AppFixture.NewEmail() }).ToUrl("/api/customers");
            s.StatusCodeShouldBe(201);
        });

        var correlationId = result.Header("X-Correlation-Id").ShouldNotBeNull();
        correlationId.ShouldNotContain("<");
        correlationId.Length.ShouldBe(32); // a W3C trace id
    }

    [Fact]
    public async Task an_unknown_customer_has_no_history()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("audrey", Roles.Auditor));
            s.Get.Url($"/api/customers/{Guid.NewGuid()}/history");
            s.IgnoreStatusCode();
        });
        await result.ShouldBeProblem(404, "urn:eventcrm:problem:not-found");
    }

    [Fact]
    public async Task only_auditors_and_admins_read_history()
    {
        var id = await app.Register(AppFixture.NewEmail());
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Get.Url($"/api/customers/{id}/history");
            s.IgnoreStatusCode();
        });
        await result.ShouldBeProblem(403);

        await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("root", Roles.Admin));
            s.Get.Url($"/api/customers/{id}/history");
            s.StatusCodeShouldBe(200);
        });
    }
}
