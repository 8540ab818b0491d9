using System.Text.Json;
using Alba;
using EventCrm.Infrastructure.Security;
using Marten.Events;

namespace EventCrm.Tests.Sales;

/// <summary>Drives the sales endpoints the way a client does.</summary>
public static class SalesApi
{
    public static string CloseDate(int days = 30) => DateOnly.FromDateTime(DateTime.UtcNow.AddDays(days)).ToString("yyyy-MM-dd");

    /// <summary>A sales user with a name no other test uses, so reports can be read for their deals alone.</summary>
    public static string NewSeller() => "seller-" + Guid.NewGuid().ToString("N")[..10];

    public static async Task<Guid> CaptureLead(this AppFixture app, string? email = null, string name = "Lena Lead")
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Post.Json(new { name, email = email ?? AppFixture.NewEmail("lead"), company = "Acme", source = "Trade fair" }).ToUrl("/api/leads");
            s.StatusCodeShouldBe(201);
        });
        return (await result.Body()).GetProperty("id").GetGuid();
    }

    public static async Task<Guid> OpenOpportunity(this AppFixture app, Guid customerId, string owner, decimal amount = 1000m,
        string currency = "EUR", int closeInDays = 30, string title = "Deal")
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor(owner, Roles.Sales));
            s.Post.Json(new { customerId, title, amount, currency, expectedCloseDate = CloseDate(closeInDays) }).ToUrl("/api/opportunities");
            s.StatusCodeShouldBe(201);
        });
        return (await result.Body()).GetProperty("id").GetGuid();
    }

    /// <summary>POST /api/{resource}/{id}/{action} as <paramref name="user"/> (a sales user), whatever the answer.</summary>
    public static Task<IScenarioResult> Post(this AppFixture app, string resource, Guid id, string action, object body,
        string user = "sam", string role = Roles.Sales) =>
        app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor(user, role));
            s.Post.Json(body).ToUrl($"/api/{resource}/{id}/{action}");
            s.IgnoreStatusCode();
        });

    public static async Task<int> Succeed(this AppFixture app, string resource, Guid id, string action, object body, string user = "sam")
    {
        var result = await app.Post(resource, id, action, body, user);
        result.Context.Response.StatusCode.ShouldBe(200, await result.ReadAsTextAsync());
        return (await result.Body()).GetProperty("version").GetInt32();
    }

    public static async Task<JsonElement> Get(this AppFixture app, string url, string role = Roles.Sales)
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("reader", role));
            s.Get.Url(url);
        });
        return await result.Body();
    }
}
