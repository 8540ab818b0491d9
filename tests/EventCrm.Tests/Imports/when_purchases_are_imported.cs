using System.Text;
using Alba;
using EventCrm.Infrastructure.Security;
using EventCrm.Tests.Customers;

namespace EventCrm.Tests.Imports;

[Collection(AppCollection.Name)]
public class when_purchases_are_imported(AppFixture app)
{
    private Task<IScenarioResult> ImportJson(string json) =>
        app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor(ImportApi.Importer, Roles.Sales));
            s.Post.Text(json).ContentType("application/json").ToUrl("/api/imports/purchases");
            s.IgnoreStatusCode();
        });

    [Fact]
    public async Task each_row_is_recorded_on_its_customer_and_a_second_import_of_the_file_records_nothing()
    {
        var email = AppFixture.NewEmail("buyer");
        var buyer = await app.Register(email, "Bea Buyer");
        var other = await app.Register(AppFixture.NewEmail("other"), "Olaf Other");
        var future = DateTimeOffset.UtcNow.AddDays(3).ToString("O");
        var json = $$"""
            [
              { "E-mail": "{{email.ToUpperInvariant()}}", "Amount": 19.99, "Currency": "eur", "Product": "Book", "Category": "Books", "Order Date": "2026-03-01T10:00:00Z" },
              { "customer_id": "{{other}}", "amount": "5", "currency": "EUR", "product": "Pen", "date": "2026-03-02" },
              { "email": "{{email}}", "amount": 100, "currency": "USD", "product": "Lamp", "purchasedAt": "2026-03-03T08:30:00+02:00" },
              { "email": "nobody-{{ImportApi.Unique()}}@example.com", "amount": 1, "currency": "EUR", "product": "Air", "purchasedAt": "2026-03-01" },
              { "email": "{{email}}", "amount": -3, "currency": "EUR", "product": "Refund?", "purchasedAt": "2026-03-01" },
              { "email": "{{email}}", "amount": 7, "currency": "EUR", "product": "Later", "purchasedAt": "{{future}}" },
              { "email": "{{email}}", "amount": 7, "currency": "EUR", "product": "When?" }
            ]
            """;

        var result = await ImportJson(json);

        result.Context.Response.StatusCode.ShouldBe(201, await result.ReadAsTextAsync());
        var report = await result.Body();
        report.GetProperty("counts").GetProperty("created").GetInt32().ShouldBe(3);
        var rejected = report.Rejected();
        rejected.Keys.Order().ShouldBe([4, 5, 6, 7]);
        rejected[4].Reason().ShouldStartWith("email: No customer has the e-mail 'nobody-");
        rejected[5].Reason().ShouldBe("amount: 'amount' must be more than 0.");
        rejected[6].Reason().ShouldBe("purchasedAt: 'purchasedAt' cannot be in the future.");
        rejected[7].Reason().ShouldBe("purchasedAt: The time of the purchase is required.");

        var profile = await app.Profile(buyer);
        profile.GetProperty("purchaseCount").GetInt32().ShouldBe(2);
        profile.GetProperty("totalSpent").GetDecimal().ShouldBe(19.99m);
        profile.GetProperty("spentByCurrency").GetProperty("USD").GetProperty("total").GetDecimal().ShouldBe(100m);
        var book = (await StoredEvents.Of(app, buyer))[1];
        book.Type.ShouldBe("purchase_recorded");
        book.Data.GetProperty("category").GetString().ShouldBe("Books");
        book.Source.ShouldBe($"import:{report.GetProperty("id").GetGuid()}");
        var pen = (await StoredEvents.Of(app, other))[1].Data;
        pen.GetProperty("category").GetString().ShouldBe("Uncategorised");
        pen.GetProperty("purchasedAt").GetDateTimeOffset().ShouldBe(new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero));

        var again = await (await ImportJson(json)).Body();

        again.GetProperty("counts").GetProperty("created").GetInt32().ShouldBe(0);
        again.GetProperty("counts").GetProperty("skipped").GetInt32().ShouldBe(3);
        (await app.Profile(buyer)).GetProperty("purchaseCount").GetInt32().ShouldBe(2);
    }

    [Fact]
    public async Task reverting_voids_the_purchases_and_the_figures_return()
    {
        var email = AppFixture.NewEmail("undo");
        var buyer = await app.Register(email, "Udo Undo");
        await app.Succeed(buyer, "purchases", new { version = 1, amount = 10m, currency = "EUR", product = "Kept", category = "Misc", purchasedAt = "2026-01-01T00:00:00Z" });
        var report = await app.Imported("purchases",
            $"email;amount;currency;product;purchasedAt\n{email};1.234,50;EUR;Desk;2026-02-01 09:00\n{email};5,00;EUR;Mug;2026-04-01\n",
            "culture=de-DE");
        (await app.Profile(buyer)).GetProperty("totalSpent").GetDecimal().ShouldBe(1249.50m);

        var reverted = await (await app.Revert(report.GetProperty("id").GetGuid(), report.GetProperty("version").GetInt32())).Body();

        reverted.GetProperty("revertedRows").GetInt32().ShouldBe(2);
        var profile = await app.Profile(buyer);
        profile.GetProperty("purchaseCount").GetInt32().ShouldBe(1);
        profile.GetProperty("totalSpent").GetDecimal().ShouldBe(10m);
        profile.GetProperty("lastPurchaseAt").GetDateTimeOffset().ShouldBe(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var voided = (await StoredEvents.Of(app, buyer)).Where(e => e.Type == "purchase_voided").ToList();
        voided.Count.ShouldBe(2);
        voided[0].Data.GetProperty("reason").GetString().ShouldBe($"Import {report.GetProperty("id").GetGuid()} reverted");
    }
}
