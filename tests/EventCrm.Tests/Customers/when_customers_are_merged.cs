using EventCrm.Customers;
using Marten;

namespace EventCrm.Tests.Customers;

[Collection(AppCollection.Name)]
public class when_customers_are_merged(AppFixture app)
{
    private async Task<(Guid Survivor, Guid Duplicate)> TwoRecordsOfOnePerson()
    {
        var survivor = await app.RegisterWith(new { name = "Ann Lee", email = AppFixture.NewEmail("ann"), tags = new[] { "vip" } });
        var duplicate = await app.RegisterWith(new { name = "Anne Lee", email = AppFixture.NewEmail("anne"), tags = new[] { "newsletter", "vip" } });
        await app.Succeed(duplicate, "purchases", new { version = 1, amount = 40m, currency = "EUR", product = "Lamp", category = "Home", purchasedAt = DateTimeOffset.UtcNow.AddDays(-10) });
        await app.Succeed(duplicate, "consents", new { version = 2, channel = "email", purpose = "newsletter", granted = true });
        await app.Succeed(survivor, "purchases", new { version = 1, amount = 60m, currency = "EUR", product = "Desk", category = "Home", purchasedAt = DateTimeOffset.UtcNow.AddDays(-1) });
        return (survivor, duplicate);
    }

    [Fact]
    public async Task the_survivor_takes_over_purchases_tags_and_consents()
    {
        var (survivor, duplicate) = await TwoRecordsOfOnePerson();

        (await app.Succeed(survivor, "merge", new { version = 2, duplicateId = duplicate })).ShouldBe(3);

        var profile = await app.Profile(survivor);
        profile.GetProperty("purchaseCount").GetInt32().ShouldBe(2);
        profile.GetProperty("totalSpent").GetDecimal().ShouldBe(100m);
        profile.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ShouldBe(["newsletter", "vip"]);
        profile.GetProperty("consents")[0].GetProperty("purpose").GetString().ShouldBe("newsletter");
        profile.GetProperty("mergedDuplicates")[0].GetGuid().ShouldBe(duplicate);
    }

    [Fact]
    public async Task both_streams_record_the_merge_and_keep_their_history()
    {
        var (survivor, duplicate) = await TwoRecordsOfOnePerson();
        await app.Succeed(survivor, "merge", new { version = 2, duplicateId = duplicate });

        await using var session = app.Store.QuerySession();
        var duplicateEvents = await session.Events.FetchStreamAsync(duplicate);
        duplicateEvents.Count.ShouldBe(4);
        duplicateEvents[0].Data.ShouldBeOfType<CustomerRegistered>();
        duplicateEvents.Last().Data.ShouldBe(new CustomerMergedInto(survivor, ((CustomerMergedInto)duplicateEvents.Last().Data).At));
        var merged = (await session.Events.FetchStreamAsync(survivor)).Last().Data.ShouldBeOfType<CustomerMerged>();
        merged.DuplicateId.ShouldBe(duplicate);
        merged.Purchases.ShouldHaveSingleItem().Product.ShouldBe("Lamp");
        merged.Tags.ShouldBe(["newsletter"]);
        duplicateEvents.Last().CorrelationId.ShouldBe((await session.Events.FetchStreamAsync(survivor)).Last().CorrelationId);
    }

    [Fact]
    public async Task reading_the_duplicate_points_at_the_survivor_and_commands_to_it_are_refused()
    {
        var (survivor, duplicate) = await TwoRecordsOfOnePerson();
        await app.Succeed(survivor, "merge", new { version = 2, duplicateId = duplicate });

        var profile = await app.Profile(duplicate);
        profile.GetProperty("status").GetString().ShouldBe("merged");
        profile.GetProperty("mergedInto").GetGuid().ShouldBe(survivor);

        var refused = await (await app.Command(duplicate, "tags", new { version = 4, add = new[] { "x" } })).ShouldBeProblem(422);
        refused.GetProperty("survivorId").GetGuid().ShouldBe(survivor);
    }

    [Fact]
    public async Task the_timeline_of_the_survivor_shows_the_duplicates_events_too()
    {
        var (survivor, duplicate) = await TwoRecordsOfOnePerson();
        await app.Succeed(survivor, "merge", new { version = 2, duplicateId = duplicate });

        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sue", "support"));
            s.Get.Url($"/api/customers/{survivor}/timeline");
        });
        var timeline = (await result.Body()).GetProperty("items").EnumerateArray().ToList();

        timeline.Count.ShouldBe(7);
        timeline.Select(e => e.GetProperty("streamId").GetGuid()).Distinct().ShouldBe([survivor, duplicate], ignoreOrder: true);
        timeline.Select(e => e.GetProperty("timestamp").GetDateTimeOffset()).ShouldBeInOrder();
    }

    [Fact]
    public async Task a_customer_cannot_be_merged_into_itself_nor_an_unknown_or_merged_one()
    {
        var (survivor, duplicate) = await TwoRecordsOfOnePerson();

        await (await app.Command(survivor, "merge", new { version = 2, duplicateId = survivor })).ShouldBeProblem(400);
        await (await app.Command(survivor, "merge", new { version = 2, duplicateId = Guid.NewGuid() })).ShouldBeProblem(404);
        await (await app.Command(survivor, "merge", new { version = 2, duplicateId = duplicate, duplicateVersion = 1 })).ShouldBeProblem(409);

        await app.Succeed(survivor, "merge", new { version = 2, duplicateId = duplicate });
        var third = await app.Register(AppFixture.NewEmail());
        await (await app.Command(third, "merge", new { version = 1, duplicateId = duplicate })).ShouldBeProblem(422);
    }

    [Fact]
    public async Task a_stale_survivor_version_merges_nothing()
    {
        var (survivor, duplicate) = await TwoRecordsOfOnePerson();

        await (await app.Command(survivor, "merge", new { version = 1, duplicateId = duplicate })).ShouldBeProblem(409);

        (await app.Profile(duplicate)).GetProperty("status").GetString().ShouldBe("active");
        (await app.History(duplicate)).GetArrayLength().ShouldBe(3);
    }
}
