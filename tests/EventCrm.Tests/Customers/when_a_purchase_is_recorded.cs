using EventCrm.Customers;
using Marten;

namespace EventCrm.Tests.Customers;

[Collection(AppCollection.Name)]
public class when_a_purchase_is_recorded(AppFixture app)
{
    [Fact]
    public async Task the_profile_figures_follow_the_purchases()
    {
        var id = await app.Register(AppFixture.NewEmail());
        var first = DateTimeOffset.UtcNow.AddDays(-30);
        var last = DateTimeOffset.UtcNow.AddDays(-3);

        await app.Succeed(id, "purchases", new { version = 1, amount = 100.00m, currency = "EUR", product = "Plan A", category = "Subscriptions", purchasedAt = last });
        await app.Succeed(id, "purchases", new { version = 2, amount = 50.25m, currency = "eur", product = "Add-on", category = "Extras", purchasedAt = first });
        await app.Succeed(id, "purchases", new { version = 3, amount = 70m, currency = "USD", product = "Plan B", category = "Subscriptions", purchasedAt = last.AddDays(-1) });

        var profile = await app.Profile(id);
        profile.GetProperty("purchaseCount").GetInt32().ShouldBe(3);
        profile.GetProperty("totalSpent").GetDecimal().ShouldBe(150.25m);
        profile.GetProperty("averagePurchase").GetDecimal().ShouldBe(75.13m);
        profile.GetProperty("spentByCurrency").GetProperty("USD").GetProperty("total").GetDecimal().ShouldBe(70m);
        profile.GetProperty("spentByCurrency").GetProperty("EUR").GetProperty("count").GetInt32().ShouldBe(2);
        profile.GetProperty("firstPurchaseAt").GetDateTimeOffset().ShouldBe(first, TimeSpan.FromMilliseconds(1));
        profile.GetProperty("lastPurchaseAt").GetDateTimeOffset().ShouldBe(last, TimeSpan.FromMilliseconds(1));
        profile.GetProperty("daysSinceLastPurchase").GetInt32().ShouldBe(3);
    }

    [Fact]
    public async Task the_answer_names_the_purchase_and_the_event_keeps_it()
    {
        var id = await app.Register(AppFixture.NewEmail());

        var result = await app.Command(id, "purchases", new { version = 1, amount = 9.99m, currency = "GBP", product = "  Mug ", category = "Merch" });

        result.Context.Response.StatusCode.ShouldBe(200);
        var body = await result.Body();
        body.GetProperty("version").GetInt32().ShouldBe(2);
        await using var session = app.Store.QuerySession();
        var purchase = (PurchaseRecorded)(await session.Events.FetchStreamAsync(id)).Last().Data;
        purchase.PurchaseId.ShouldBe(body.GetProperty("purchaseId").GetGuid());
        purchase.Amount.ShouldBe(9.99m);
        purchase.Currency.ShouldBe("GBP");
        purchase.Product.ShouldBe("Mug");
    }

    [Theory]
    [InlineData(0, "EUR", "amount")]
    [InlineData(-3, "EUR", "amount")]
    [InlineData(10.12345, "EUR", "amount")]
    [InlineData(10, "EURO", "currency")]
    [InlineData(10, "XYZ", "currency")]
    public async Task a_bad_amount_or_currency_is_a_400(decimal amount, string currency, string field)
    {
        var id = await app.Register(AppFixture.NewEmail());
        var problem = await (await app.Command(id, "purchases", new { version = 1, amount, currency, product = "P", category = "C" }))
            .ShouldBeProblem(400);
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue();
        (await app.History(id)).GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task a_purchase_in_the_future_is_a_400()
    {
        var id = await app.Register(AppFixture.NewEmail());
        var problem = await (await app.Command(id, "purchases",
            new { version = 1, amount = 5, currency = "EUR", product = "P", category = "C", purchasedAt = DateTimeOffset.UtcNow.AddHours(1) }))
            .ShouldBeProblem(400);
        problem.GetProperty("errors").TryGetProperty("purchasedAt", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task an_inactive_customer_buys_nothing()
    {
        var id = await app.Register(AppFixture.NewEmail());
        await app.Succeed(id, "deactivate", new { version = 1 });

        await (await app.Command(id, "purchases", new { version = 2, amount = 5, currency = "EUR", product = "P", category = "C" }))
            .ShouldBeProblem(422);
    }

    [Fact]
    public async Task a_retried_purchase_with_its_idempotency_key_is_recorded_once()
    {
        var id = await app.Register(AppFixture.NewEmail());
        var key = Guid.NewGuid().ToString();
        var body = new { version = 1, amount = 5, currency = "EUR", product = "P", category = "C" };

        for (var attempt = 0; attempt < 3; attempt++)
        {
            await app.Host.Scenario(s =>
            {
                s.WithBearerToken(app.TokenFor("sam", "sales"));
                s.WithRequestHeader("Idempotency-Key", key);
                s.Post.Json(body).ToUrl($"/api/customers/{id}/purchases");
            });
        }

        (await app.Profile(id)).GetProperty("purchaseCount").GetInt32().ShouldBe(1);
    }
}
