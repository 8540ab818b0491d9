using System.Text.Json;
using EventCrm.Customers;
using EventCrm.Infrastructure.Security;
using EventCrm.Tests.Customers;

namespace EventCrm.Tests.Integrations;

[Collection(AppCollection.Name)]
public class when_the_feed_is_read(AppFixture app)
{
    [Fact]
    public async Task events_come_in_commit_order_each_with_its_cursor_and_metadata()
    {
        var start = await app.EndOfFeed();
        var first = await app.Register(AppFixture.NewEmail("feed"), "Ada Feed");
        await app.Succeed(first, "tags", new { version = 1, add = new[] { "vip" } });
        var second = await app.Register(AppFixture.NewEmail("feed"), "Bob Feed");

        var events = (await app.ReadUntil(start, 10, "customer_registered,tags_added", TimeSpan.FromSeconds(10)))
            .Where(e => e.GetProperty("streamId").GetGuid() is var id && (id == first || id == second)).ToList();

        events.Select(e => (e.GetProperty("streamId").GetGuid(), e.GetProperty("type").GetString()))
            .ShouldBe([(first, "customer_registered"), (first, "tags_added"), (second, "customer_registered")]);
        var cursors = events.Select(e => long.Parse(e.GetProperty("cursor").GetString()!)).ToList();
        cursors.ShouldBeInOrder(SortDirection.Ascending);
        cursors.Distinct().Count().ShouldBe(3);
        var registered = events[0];
        registered.GetProperty("streamType").GetString().ShouldBe("customer");
        registered.GetProperty("user").GetString().ShouldBe("sam");
        registered.GetProperty("version").GetInt64().ShouldBe(1);
        registered.GetProperty("withheld").GetBoolean().ShouldBeFalse();
        registered.GetProperty("data").GetProperty("name").GetString().ShouldBe("Ada Feed");
        registered.TryGetProperty("sequence", out _).ShouldBeFalse("the cursor is the only position a client sees");
    }

    [Fact]
    public async Task a_page_resumes_where_the_last_one_ended_and_next_moves_past_events_that_did_not_match()
    {
        var start = await app.EndOfFeed();
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++) ids.Add(await app.Register(AppFixture.NewEmail("paged")));
        var seen = await app.ReadUntil(start, 5, "customer_registered");

        // Two at a time from the same start: the same events, in the same order, no repeats.
        var paged = new List<JsonElement>();
        var after = start;
        while (paged.Count < 5)
        {
            var page = await app.Feed($"after={after}&types=customer_registered&limit=2");
            var events = page.GetProperty("events").EnumerateArray().ToList();
            events.Count.ShouldBeLessThanOrEqualTo(2);
            paged.AddRange(events);
            var next = page.GetProperty("next").GetString()!;
            if (events.Count == 2) next.ShouldBe(events[^1].GetProperty("cursor").GetString());
            after = next;
        }
        paged.Select(e => e.GetProperty("id").GetGuid()).ShouldBe(seen.Take(5).Select(e => e.GetProperty("id").GetGuid()));

        // A filter that matches nothing still moves the cursor to the end, so the next poll starts there.
        var none = await app.Feed($"after={start}&types=ticket_opened&streamTypes=customer");
        none.GetProperty("events").GetArrayLength().ShouldBe(0);
        long.Parse(none.GetProperty("next").GetString()!).ShouldBeGreaterThanOrEqualTo(long.Parse(seen[4].GetProperty("cursor").GetString()!));
    }

    [Fact]
    public async Task a_long_poll_answers_as_soon_as_an_event_is_committed()
    {
        var start = await app.EndOfFeed();
        var email = AppFixture.NewEmail("longpoll");
        var poll = app.Feed($"after={start}&types=customer_registered&waitSeconds=20");
        await Task.Delay(500);
        poll.IsCompleted.ShouldBeFalse("nothing was committed yet");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var id = await app.Register(email);
        var page = await poll;
        watch.Stop();
        page.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("streamId").GetGuid()).ShouldContain(id);
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10), "the answer comes with the event, not at the end of the wait");
    }

    [Fact]
    public async Task erased_personal_data_stays_erased_in_the_feed()
    {
        var start = await app.EndOfFeed();
        var email = AppFixture.NewEmail("erased");
        var id = await app.Register(email, "Eve Erased", "+44 20 7946 0000");
        await app.ScenarioAndWait(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Post.Json(new { version = 1, reason = "GDPR request 42" }).ToUrl($"/api/customers/{id}/erasure");
            s.StatusCodeShouldBe(200);
        });

        var events = (await app.ReadUntil(start, 2, "customer_registered,customer_erased"))
            .Where(e => e.GetProperty("streamId").GetGuid() == id).ToList();
        events.Select(e => e.GetProperty("type").GetString()).ShouldBe(["customer_registered", "customer_erased"]);
        var text = string.Join("\n", events.Select(e => e.GetRawText()));
        text.ShouldNotContain("Eve Erased");
        text.ShouldNotContain(email);
        text.ShouldNotContain("7946");
        var registered = events[0];
        if (!registered.GetProperty("withheld").GetBoolean())
            registered.GetProperty("data").GetProperty("name").GetString().ShouldBe(CustomerErasure.ErasedName);
        events[1].GetProperty("data").GetProperty("reason").GetString().ShouldBe("GDPR request 42");
    }

    [Fact]
    public async Task a_cursor_that_is_not_one_is_a_400_and_other_roles_get_403()
    {
        var bad = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.IntegrationToken());
            s.Get.Url("/api/feed?after=abc&limit=900&waitSeconds=99");
            s.IgnoreStatusCode();
        });
        var problem = await bad.ShouldBeProblem(400);
        var errors = problem.GetProperty("errors");
        errors.TryGetProperty("after", out _).ShouldBeTrue();
        errors.TryGetProperty("limit", out _).ShouldBeTrue();
        errors.TryGetProperty("waitSeconds", out _).ShouldBeTrue();

        var sales = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Get.Url("/api/feed");
            s.IgnoreStatusCode();
        });
        sales.Context.Response.StatusCode.ShouldBe(403);

        var admin = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("root", Roles.Admin));
            s.Get.Url("/api/feed?limit=1");
            s.StatusCodeShouldBe(200);
        });
    }

    [Fact]
    public async Task the_event_types_are_listed_by_their_public_names_with_schemas()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.IntegrationToken());
            s.Get.Url("/api/events/types");
            s.StatusCodeShouldBe(200);
        });
        var types = (await result.Body()).EnumerateArray().ToList();
        var registered = types.Single(t => t.GetProperty("type").GetString() == "customer_registered");
        registered.GetProperty("version").GetInt32().ShouldBe(1);
        registered.GetProperty("schema").GetProperty("properties").TryGetProperty("email", out _).ShouldBeTrue();
        types.Single(t => t.GetProperty("type").GetString() == "customer_erased").GetProperty("recordsErasure").GetBoolean().ShouldBeTrue();
        types.ShouldAllBe(t => !t.GetProperty("type").GetString()!.Contains('.'), "no .NET type names");
    }
}
