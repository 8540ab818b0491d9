namespace EventCrm.Tests.Customers;

[Collection(AppCollection.Name)]
public class when_a_purchase_is_voided(AppFixture app)
{
    [Fact]
    public async Task the_figures_are_as_if_it_never_counted_and_the_history_keeps_both()
    {
        var id = await app.Register(AppFixture.NewEmail());
        var early = new DateTimeOffset(2026, 1, 10, 0, 0, 0, TimeSpan.Zero);
        var late = new DateTimeOffset(2026, 5, 10, 0, 0, 0, TimeSpan.Zero);
        await app.Succeed(id, "purchases", new { version = 1, amount = 40m, currency = "EUR", product = "Kept", category = "A", purchasedAt = early });
        var mistake = (await (await app.Command(id, "purchases", new { version = 2, amount = 60m, currency = "EUR", product = "Wrong", category = "A", purchasedAt = late }))
            .Body()).GetProperty("purchaseId").GetGuid();

        var voided = await app.Command(id, $"purchases/{mistake}/void", new { version = 3, reason = "Entered twice" });

        voided.Context.Response.StatusCode.ShouldBe(200, await voided.ReadAsTextAsync());
        var profile = await app.Profile(id);
        profile.GetProperty("purchaseCount").GetInt32().ShouldBe(1);
        profile.GetProperty("totalSpent").GetDecimal().ShouldBe(40m);
        profile.GetProperty("averagePurchase").GetDecimal().ShouldBe(40m);
        profile.GetProperty("lastPurchaseAt").GetDateTimeOffset().ShouldBe(early);
        var history = await app.History(id);
        history.GetArrayLength().ShouldBe(4);
    }

    [Fact]
    public async Task voiding_an_unknown_or_already_void_purchase_is_a_404_and_a_missing_reason_a_400()
    {
        var id = await app.Register(AppFixture.NewEmail());
        var purchase = (await (await app.Command(id, "purchases", new { version = 1, amount = 5m, currency = "EUR", product = "P", category = "C" }))
            .Body()).GetProperty("purchaseId").GetGuid();

        (await app.Command(id, $"purchases/{purchase}/void", new { version = 2, reason = " " })).Context.Response.StatusCode.ShouldBe(400);
        (await (await app.Command(id, $"purchases/{Guid.NewGuid()}/void", new { version = 2, reason = "?" })).ShouldBeProblem(404))
            .GetProperty("detail").GetString()!.ShouldContain("has no purchase");
        (await app.Command(id, $"purchases/{purchase}/void", new { version = 2, reason = "Refunded" })).Context.Response.StatusCode.ShouldBe(200);
        await (await app.Command(id, $"purchases/{purchase}/void", new { version = 3, reason = "Again" })).ShouldBeProblem(404);
        (await app.Profile(id)).GetProperty("averagePurchase").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
    }
}
