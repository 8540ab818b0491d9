using EventCrm.Tests.Customers;
using EventCrm.Tests.Marketing;

namespace EventCrm.Tests.Analytics;

/// <summary>The steps of a scripted campaign history, each over HTTP as a client takes it.</summary>
public static class CampaignScript
{
    /// <summary>Records a purchase (now, unless <paramref name="at"/>); answers its id.</summary>
    public static async Task<Guid> Buy(this AppFixture app, Guid customer, decimal amount, string currency = "EUR", DateTimeOffset? at = null)
    {
        var result = await app.Command(customer, "purchases",
            new { version = await app.CustomerVersion(customer), amount, currency, product = "Scripted offer", category = "Offers", purchasedAt = at });
        result.Context.Response.StatusCode.ShouldBe(200, await result.ReadAsTextAsync());
        return (await result.Body()).GetProperty("purchaseId").GetGuid();
    }

    public static async Task Void(this AppFixture app, Guid customer, Guid purchase) =>
        await app.Succeed(customer, $"purchases/{purchase}/void", new { version = await app.CustomerVersion(customer), reason = "entered by mistake" });

    public static async Task<int> CustomerVersion(this AppFixture app, Guid customer) =>
        (await app.Profile(customer)).GetProperty("version").GetInt32();

    /// <summary>A running campaign on a channel the system does not deliver (ads): touches are reported to it.</summary>
    public static async Task<Guid> AdsCampaign(this AppFixture app, string name, string currency = "EUR")
    {
        var id = (await app.Ok("/api/marketing/campaigns", new { name = $"{name} {Guid.NewGuid():N}"[..40], channel = "ads", currency }, 201))
            .GetProperty("id").GetGuid();
        await app.Ok($"/api/marketing/campaigns/{id}/schedule", new { version = 1 });
        await app.WaitForStatus(id, "running");
        return id;
    }

    public static async Task Touch(this AppFixture app, Guid campaign, Guid customer, string kind, DateTimeOffset at, decimal? cost = null) =>
        (await app.Ok($"/api/marketing/campaigns/{campaign}/touches", new { touches = new[] { new { customerId = customer, kind, at, cost } } }))
            .GetProperty("recorded").GetInt32().ShouldBe(1);

    public static async Task Cost(this AppFixture app, Guid campaign, decimal amount, string? currency = null)
    {
        var version = (await app.Campaign(campaign)).GetProperty("version").GetInt32();
        await app.Ok($"/api/marketing/campaigns/{campaign}/costs", new { version, amount, currency, description = "Ad spend" });
    }
}
