using EventCrm.Customers;
using Marten;

namespace EventCrm.Tests.Customers;

[Collection(AppCollection.Name)]
public class when_a_customer_profile_changes(AppFixture app)
{
    [Fact]
    public async Task demographics_sent_with_explicit_nulls_replace_the_rest()
    {
        var id = await app.RegisterWith(new { name = "Demo", email = AppFixture.NewEmail(), age = 30, country = "DE", industry = "Retail" });

        // A member left out keeps its value (when_only_some_details_are_sent); an explicit null clears it.
        var version = await app.Succeed(id, "demographics",
            new { version = 1, annualIncome = 52000, country = "AT", industry = (string?)null, age = (int?)null });

        version.ShouldBe(2);
        var profile = await app.Profile(id);
        profile.GetProperty("annualIncome").GetDecimal().ShouldBe(52000m);
        profile.GetProperty("country").GetString().ShouldBe("AT");
        profile.GetProperty("industry").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
        profile.GetProperty("birthYear").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
    }

    [Fact]
    public async Task the_same_demographics_again_record_nothing()
    {
        var id = await app.RegisterWith(new { name = "Same", email = AppFixture.NewEmail(), age = 30, country = "DE" });
        (await app.Succeed(id, "demographics", new { version = 1, age = 30, country = "Germany" })).ShouldBe(1);
    }

    [Fact]
    public async Task invalid_demographics_are_a_400_and_a_stale_version_a_409()
    {
        var id = await app.Register(AppFixture.NewEmail());
        await (await app.Command(id, "demographics", new { version = 1, age = 200 })).ShouldBeProblem(400);
        await (await app.Command(id, "demographics", new { version = 7, age = 20 })).ShouldBeProblem(409);
    }

    [Fact]
    public async Task tags_are_added_and_removed_in_one_step()
    {
        var id = await app.RegisterWith(new { name = "Tagged", email = AppFixture.NewEmail(), tags = new[] { "a", "b" } });

        var version = await app.Succeed(id, "tags", new { version = 1, add = new[] { "C", "a" }, remove = new[] { "b", "zzz" } });

        version.ShouldBe(3); // one TagsAdded, one TagsRemoved
        (await app.Profile(id)).GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ShouldBe(["a", "c"]);
        await using var session = app.Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(id);
        ((TagsAdded)events[1].Data).Tags.ShouldBe(["c"]);
        ((TagsRemoved)events[2].Data).Tags.ShouldBe(["b"]);
    }

    [Fact]
    public async Task more_than_fifty_tags_are_refused_with_a_422()
    {
        var id = await app.Register(AppFixture.NewEmail());
        await app.Succeed(id, "tags", new { version = 1, add = Enumerable.Range(0, 50).Select(i => $"t{i}").ToArray() });

        await (await app.Command(id, "tags", new { version = 2, add = new[] { "one-too-many" } })).ShouldBeProblem(422);
    }

    [Fact]
    public async Task an_owner_is_assigned_and_unassigned()
    {
        var id = await app.Register(AppFixture.NewEmail());

        await app.Succeed(id, "owner", new { version = 1, owner = "sally" });
        (await app.Profile(id)).GetProperty("owner").GetString().ShouldBe("sally");

        await app.Succeed(id, "owner", new { version = 2, owner = (string?)null });
        (await app.Profile(id)).GetProperty("owner").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
        (await app.History(id)).GetArrayLength().ShouldBe(3);
    }

    [Fact]
    public async Task consent_is_granted_and_withdrawn_and_the_latest_decision_stands()
    {
        var id = await app.Register(AppFixture.NewEmail());
        var earlier = DateTimeOffset.UtcNow.AddDays(-2);

        await app.Succeed(id, "consents", new { version = 1, channel = "email", purpose = "Newsletter", granted = true, source = "web form" });
        await app.Succeed(id, "consents", new { version = 2, channel = "email", purpose = "newsletter", granted = false, source = "call" });
        // A decision from before the current one is recorded but does not replace it.
        await app.Succeed(id, "consents", new { version = 3, channel = "email", purpose = "newsletter", granted = true, source = "paper", at = earlier });
        await app.Succeed(id, "consents", new { version = 4, channel = "sms", purpose = "offers", granted = true });

        var consents = (await app.Profile(id)).GetProperty("consents");
        consents.GetArrayLength().ShouldBe(2);
        var email = consents.EnumerateArray().Single(c => c.GetProperty("channel").GetString() == "email");
        email.GetProperty("granted").GetBoolean().ShouldBeFalse();
        email.GetProperty("source").GetString().ShouldBe("call");
        var sms = consents.EnumerateArray().Single(c => c.GetProperty("channel").GetString() == "sms");
        sms.GetProperty("granted").GetBoolean().ShouldBeTrue();
        sms.GetProperty("source").GetString().ShouldBe("api");
    }

    [Fact]
    public async Task a_consent_without_channel_or_decision_or_from_the_future_is_a_400()
    {
        var id = await app.Register(AppFixture.NewEmail());
        var problem = await (await app.Command(id, "consents",
            new { version = 1, purpose = "x", at = DateTimeOffset.UtcNow.AddDays(1) })).ShouldBeProblem(400);
        var errors = problem.GetProperty("errors");
        errors.TryGetProperty("channel", out _).ShouldBeTrue();
        errors.TryGetProperty("granted", out _).ShouldBeTrue();
        errors.TryGetProperty("at", out _).ShouldBeTrue();

        await (await app.Command(id, "consents", new { version = 1, channel = "fax", purpose = "x", granted = true }))
            .ShouldBeProblem(400);
    }

    [Fact]
    public async Task a_customer_is_deactivated_and_reactivated_and_each_only_once()
    {
        var id = await app.Register(AppFixture.NewEmail());

        await app.Succeed(id, "deactivate", new { version = 1, reason = "moved abroad" });
        var inactive = await app.Profile(id);
        inactive.GetProperty("status").GetString().ShouldBe("inactive");
        inactive.GetProperty("deactivationReason").GetString().ShouldBe("moved abroad");
        await (await app.Command(id, "deactivate", new { version = 2 })).ShouldBeProblem(422);

        await app.Succeed(id, "reactivate", new { version = 2 });
        (await app.Profile(id)).GetProperty("status").GetString().ShouldBe("active");
        await (await app.Command(id, "reactivate", new { version = 3 })).ShouldBeProblem(422);
    }
}
