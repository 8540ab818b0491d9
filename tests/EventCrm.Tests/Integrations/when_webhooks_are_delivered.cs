using EventCrm.Integrations;
using EventCrm.Tests.Customers;
using StandardWebhooks.Diagnostics;

namespace EventCrm.Tests.Integrations;

[Collection(AppCollection.Name)]
public class when_webhooks_are_delivered(AppFixture app)
{
    [Fact]
    public async Task deliveries_arrive_signed_verifiable_and_in_order_each_with_its_own_id()
    {
        await using var receiver = await WebhookReceiver.Start();
        var (webhook, secret) = await app.Subscribe(new { url = receiver.Url, eventTypes = new[] { "customer_registered", "tags_added" } });
        try
        {
            var first = await app.Register(AppFixture.NewEmail("hook"), "Ada Hook");
            await app.Succeed(first, "tags", new { version = 1, add = new[] { "vip" } });
            var second = await app.Register(AppFixture.NewEmail("hook"), "Bob Hook");
            var ours = new HashSet<string> { first.ToString(), second.ToString() };

            await receiver.Until(r => r.Accepted.Count(d => ours.Contains(d.StreamId)) >= 3);
            var deliveries = receiver.Accepted.Where(d => ours.Contains(d.StreamId)).ToList();
            deliveries.Select(d => (d.StreamId, d.Json.GetProperty("type").GetString()))
                .ShouldBe([(first.ToString(), "customer_registered"), (first.ToString(), "tags_added"), (second.ToString(), "customer_registered")]);
            deliveries.Select(d => d.Id).Distinct().Count().ShouldBe(3);
            foreach (var delivery in deliveries)
            {
                delivery.Verify(secret);
                delivery.VerifyEach(secret).ShouldBeTrue();
                delivery.Id.ShouldBe($"msg_{delivery.Json.GetProperty("data").GetProperty("id").GetGuid():N}");
            }
            deliveries[0].Json.GetProperty("data").GetProperty("data").GetProperty("name").GetString().ShouldBe("Ada Hook");

            var view = await app.WebhookUntil(webhook, v => v.GetProperty("delivered").GetInt64() >= 3);
            view.GetProperty("status").GetString().ShouldBe(WebhookStatus.Active);
            view.TryGetProperty("secret", out _).ShouldBeFalse("a subscription's secret is shown once, when it is created");
        }
        finally
        {
            await app.Unsubscribe(webhook);
        }
    }

    [Fact]
    public async Task a_receiver_that_fails_three_times_then_recovers_gets_every_event_exactly_once_by_id()
    {
        await using var receiver = await WebhookReceiver.Start();
        var failures = 0;
        receiver.Answer = _ => Interlocked.Increment(ref failures) <= 3 ? 503 : 200;
        var (webhook, secret) = await app.Subscribe(new { url = receiver.Url, eventTypes = new[] { "customer_registered" } });
        try
        {
            var ids = new List<string>();
            for (var i = 0; i < 4; i++) ids.Add((await app.Register(AppFixture.NewEmail("flaky"))).ToString());

            await receiver.Until(r => r.Accepted.Count(d => ids.Contains(d.StreamId)) >= 4);
            var accepted = receiver.Accepted.Where(d => ids.Contains(d.StreamId)).ToList();
            accepted.Select(d => d.StreamId).ShouldBe(ids, "every event once, in order");
            accepted.Select(d => d.Id).Distinct().Count().ShouldBe(4);
            // The refused attempts were at the first event, retried in place with the same id.
            var refused = receiver.Requests.Where(r => r.Status == 503).ToList();
            refused.Count.ShouldBe(3);
            refused.Select(r => r.Id).Distinct().ShouldBe([accepted[0].Id]);
            foreach (var request in receiver.Requests) request.Verify(secret);
            // Backoff: the retries were spaced out, not fired at once.
            (refused[2].At - refused[0].At).ShouldBeGreaterThan(TimeSpan.FromMilliseconds(150));
        }
        finally
        {
            await app.Unsubscribe(webhook);
        }
    }

    [Fact]
    public async Task a_replay_from_a_cursor_delivers_again_exactly_the_events_after_it()
    {
        await using var receiver = await WebhookReceiver.Start();
        var (webhook, _) = await app.Subscribe(new { url = receiver.Url, eventTypes = new[] { "customer_registered" } });
        try
        {
            var ids = new List<string>();
            for (var i = 0; i < 4; i++) ids.Add((await app.Register(AppFixture.NewEmail("replay"))).ToString());
            await receiver.Until(r => r.Accepted.Count(d => ids.Contains(d.StreamId)) >= 4);
            var firstRound = receiver.Accepted.Where(d => ids.Contains(d.StreamId)).ToList();

            // From the second event's cursor: the third and fourth again, same ids, same order.
            var from = firstRound[1].Json.GetProperty("data").GetProperty("cursor").GetString();
            (await app.WebhookCommand(webhook, "replay", new { fromCursor = from })).Context.Response.StatusCode.ShouldBe(204);
            await receiver.Until(r => r.Accepted.Count(d => ids.Contains(d.StreamId)) >= 6);
            await Task.Delay(500);

            var replayed = receiver.Accepted.Where(d => ids.Contains(d.StreamId)).Skip(4).ToList();
            replayed.Select(d => d.Id).ShouldBe(firstRound.Skip(2).Select(d => d.Id));
        }
        finally
        {
            await app.Unsubscribe(webhook);
        }
    }

    [Fact]
    public async Task an_event_that_keeps_failing_is_dead_lettered_the_subscription_halts_and_a_resume_delivers_it()
    {
        await using var receiver = await WebhookReceiver.Start();
        receiver.Answer = _ => 500;
        var (webhook, _) = await app.Subscribe(new { url = receiver.Url, eventTypes = new[] { "customer_registered" } });
        try
        {
            var id = (await app.Register(AppFixture.NewEmail("dead"))).ToString();
            var halted = await app.WebhookUntil(webhook, v => v.GetProperty("status").GetString() == WebhookStatus.Halted);
            halted.GetProperty("pausedBecause").GetString()!.ShouldContain("failed 5 times");
            var dead = halted.GetProperty("deadLetters").EnumerateArray().Single();
            dead.GetProperty("attempts").GetInt32().ShouldBe(5);
            dead.GetProperty("lastError").GetString().ShouldBe("500 Internal Server Error: receiver refused: try later");
            receiver.Requests.Count(r => r.StreamId == id).ShouldBe(5);

            receiver.Answer = null;
            (await app.WebhookCommand(webhook, "resume")).Context.Response.StatusCode.ShouldBe(204);
            await receiver.Until(r => r.Accepted.Any(d => d.StreamId == id));
            (await app.WebhookUntil(webhook, v => v.GetProperty("delivered").GetInt64() == 1)).GetProperty("status").GetString()
                .ShouldBe(WebhookStatus.Active);
        }
        finally
        {
            await app.Unsubscribe(webhook);
        }
    }

    [Fact]
    public async Task a_paused_webhook_receives_nothing_until_it_is_resumed_then_everything_in_order()
    {
        await using var receiver = await WebhookReceiver.Start();
        var (webhook, _) = await app.Subscribe(new { url = receiver.Url, eventTypes = new[] { "customer_registered" } });
        try
        {
            (await app.WebhookCommand(webhook, "pause")).Context.Response.StatusCode.ShouldBe(204);
            (await app.Webhook(webhook)).GetProperty("status").GetString().ShouldBe(WebhookStatus.Paused);
            var ids = new List<string>();
            for (var i = 0; i < 2; i++) ids.Add((await app.Register(AppFixture.NewEmail("paused"))).ToString());
            await Task.Delay(1500);
            receiver.Requests.ShouldBeEmpty();

            (await app.WebhookCommand(webhook, "resume")).Context.Response.StatusCode.ShouldBe(204);
            await receiver.Until(r => r.Accepted.Count >= 2);
            receiver.Accepted.Select(d => d.StreamId).ShouldBe(ids);
        }
        finally
        {
            await app.Unsubscribe(webhook);
        }
    }

    [Fact]
    public async Task after_a_rotation_both_secrets_verify_until_the_old_one_expires()
    {
        await using var receiver = await WebhookReceiver.Start();
        var (webhook, old) = await app.Subscribe(new { url = receiver.Url, eventTypes = new[] { "customer_registered" } });
        try
        {
            var rotated = await app.WebhookCommand(webhook, "secret");
            rotated.Context.Response.StatusCode.ShouldBe(200);
            var secret = (await rotated.Body()).GetProperty("secret").GetString()!;
            secret.ShouldNotBe(old);
            secret.ShouldStartWith("whsec_");

            var id = (await app.Register(AppFixture.NewEmail("rotated"))).ToString();
            await receiver.Until(r => r.Accepted.Any(d => d.StreamId == id));
            var delivery = receiver.Accepted.Single(d => d.StreamId == id);
            delivery.Headers["webhook-signature"].Split(' ').Length.ShouldBe(2);
            // The new secret's signature comes first, and the StandardWebhooks package verifies it; a receiver still on
            // the old secret checks every signature (docs/integrations.md) and verifies the second.
            delivery.Verify(secret);
            delivery.VerifyEach(secret).ShouldBeTrue();
            delivery.VerifyEach(old).ShouldBeTrue();
            delivery.VerifyEach(WebhookSubscription.NewSecret()).ShouldBeFalse();
            Should.Throw<WebhookVerificationException>(() => delivery.Verify(WebhookSubscription.NewSecret()));
        }
        finally
        {
            await app.Unsubscribe(webhook);
        }
    }

    [Fact]
    public async Task a_url_that_is_not_an_https_address_or_an_unknown_event_type_is_a_400()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.IntegrationToken());
            s.Post.Json(new { url = "ftp://files.example.com/x", eventTypes = new[] { "CustomerRegistered" }, fromCursor = "x" }).ToUrl("/api/webhooks");
            s.IgnoreStatusCode();
        });
        var errors = (await result.ShouldBeProblem(400)).GetProperty("errors");
        errors.GetProperty("url")[0].GetString()!.ShouldContain("https");
        errors.GetProperty("eventTypes")[0].GetString()!.ShouldContain("'CustomerRegistered' is not an event type");
        errors.TryGetProperty("fromCursor", out _).ShouldBeTrue();
    }
}
