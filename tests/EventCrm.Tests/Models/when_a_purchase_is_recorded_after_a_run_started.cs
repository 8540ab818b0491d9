using Alba;
using EventCrm.Infrastructure.Security;
using EventCrm.Models;
using EventCrm.Tests.Customers;
using Microsoft.Extensions.DependencyInjection;

namespace EventCrm.Tests.Models;

/// <summary>A run sees the facts recorded by the time it started, each at its business time; nothing recorded later.</summary>
[Collection(AppCollection.Name)]
public class when_a_purchase_is_recorded_after_a_run_started(AppFixture app)
{
    private async Task Purchase(Guid customer, int version, decimal amount, DateTimeOffset at) =>
        await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Post.Json(new { version, amount, currency = "EUR", product = "Item", category = "Shop", purchasedAt = at })
                .ToUrl($"/api/customers/{customer}/purchases");
            s.StatusCodeShouldBe(200);
        });

    [Fact]
    public async Task a_past_purchase_recorded_today_enters_the_features_only_of_runs_started_after_it_was_recorded()
    {
        var today = DateTimeOffset.UtcNow;
        var id = await app.RegisterWith(new { name = "Late Paper", email = AppFixture.NewEmail(), registeredAt = today.AddDays(-400) });
        await Purchase(id, 1, 100m, today.AddDays(-300));
        var earlierRun = DateTimeOffset.UtcNow;
        await Purchase(id, 2, 60m, today.AddDays(-200)); // recorded now, for a purchase made 200 days ago
        var laterRun = DateTimeOffset.UtcNow;

        var histories = app.Host.Services.GetRequiredService<CustomerHistories>();
        var cutoff = today.AddDays(-ChurnModel.HorizonDays);
        async Task<CustomerFeatures> AsOf(DateTimeOffset runStart) =>
            CustomerRows.Of((await histories.Load(id, runStart, CancellationToken.None)).Values, cutoff).Rows.Single();

        var before = await AsOf(earlierRun);
        before.Frequency.ShouldBe(1);
        before.Monetary.ShouldBe(100f);
        before.RecencyDays.ShouldBe(120f, 0.001f);

        var after = await AsOf(laterRun);
        after.Frequency.ShouldBe(2);
        after.Monetary.ShouldBe(160f);
        after.RecencyDays.ShouldBe(20f, 0.001f);

        // Recorded before either run, the registration is in both; a run started before it knows no such customer.
        (await histories.Load(id, today.AddMinutes(-1), CancellationToken.None)).ShouldNotContainKey(id);
    }
}
