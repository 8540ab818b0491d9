using System.Text.Json;
using Alba;
using EventCrm.Infrastructure.Security;
using EventCrm.Tests.Customers;

namespace EventCrm.Tests.Audit;

[Collection(AppCollection.Name)]
public class when_the_audit_log_is_read(AppFixture app)
{
    private async Task<JsonElement> Log(string query, string role = Roles.Auditor)
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("audrey", role));
            s.Get.Url($"/api/audit/events?{query}");
        });
        return await result.Body();
    }

    [Fact]
    public async Task events_are_found_by_user_across_streams_in_order()
    {
        var user = "clerk-" + Guid.NewGuid().ToString("N")[..8];
        var token = app.TokenFor(user, Roles.Sales);
        var first = await app.Register(AppFixture.NewEmail(), token: token);
        var second = await app.Register(AppFixture.NewEmail(), token: token);
        await app.Command(first, "tags", new { version = 1, add = new[] { "audited" } }, token);

        var log = await Log($"user={user}");

        log.GetProperty("total").GetInt64().ShouldBe(3);
        var items = log.GetProperty("items").EnumerateArray().ToList();
        items.Select(e => e.GetProperty("streamId").GetGuid()).ShouldBe([first, second, first]);
        items.Select(e => e.GetProperty("type").GetString()).ShouldBe(["customer_registered", "customer_registered", "tags_added"]);
        items.Select(e => e.GetProperty("sequence").GetInt64()).ShouldBeInOrder();
        items.ShouldAllBe(e => e.GetProperty("streamType").GetString() == "customer" && e.GetProperty("user").GetString() == user);
    }

    [Fact]
    public async Task events_are_found_by_correlation_id_type_and_time()
    {
        var correlation = "audit-" + Guid.NewGuid().ToString("N");
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.WithRequestHeader("X-Correlation-Id", correlation);
            s.Post.Json(new { name = "Correlated", email = AppFixture.NewEmail() }).ToUrl("/api/customers");
            s.StatusCodeShouldBe(201);
        });

        (await Log($"correlationId={correlation}")).GetProperty("total").GetInt64().ShouldBe(1);
        (await Log($"correlationId={correlation}&type=customer_registered&streamType=customer")).GetProperty("total").GetInt64().ShouldBe(1);
        (await Log($"correlationId={correlation}&type=tags_added")).GetProperty("total").GetInt64().ShouldBe(0);
        var from = Uri.EscapeDataString(before.ToString("O"));
        (await Log($"correlationId={correlation}&from={from}")).GetProperty("total").GetInt64().ShouldBe(1);
        (await Log($"correlationId={correlation}&to={from}")).GetProperty("total").GetInt64().ShouldBe(0);
    }

    [Fact]
    public async Task the_log_is_paged()
    {
        var user = "pager-" + Guid.NewGuid().ToString("N")[..8];
        for (var i = 0; i < 5; i++) await app.Register(AppFixture.NewEmail(), token: app.TokenFor(user, Roles.Sales));

        var page = await Log($"user={user}&page=2&pageSize=2");

        page.GetProperty("total").GetInt64().ShouldBe(5);
        page.GetProperty("items").GetArrayLength().ShouldBe(2);
        (await Log($"user={user}&page=9&pageSize=2")).GetProperty("total").GetInt64().ShouldBe(5);
    }

    [Fact]
    public async Task only_auditors_and_admins_read_it_and_bad_filters_are_a_400()
    {
        var forbidden = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Get.Url("/api/audit/events");
            s.IgnoreStatusCode();
        });
        await forbidden.ShouldBeProblem(403);

        var bad = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("audrey", Roles.Auditor));
            s.Get.Url("/api/audit/events?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z&pageSize=500");
            s.IgnoreStatusCode();
        });
        var errors = (await bad.ShouldBeProblem(400)).GetProperty("errors");
        errors.TryGetProperty("from", out _).ShouldBeTrue();
        errors.TryGetProperty("pageSize", out _).ShouldBeTrue();
    }
}
