using System.Text;
using EventCrm.Integrations;
using Microsoft.AspNetCore.Http;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace EventCrm.Tests.Integrations;

/// <summary>What a receiver verifying with the StandardWebhooks library accepts, and what it refuses.</summary>
public class when_a_webhook_signature_is_checked
{
    private static readonly string Secret = WebhookSubscription.NewSecret();
    private const string Payload = """{"type":"customer_registered","timestamp":"2026-12-01T10:00:00+00:00","data":{}}""";

    private static HeaderDictionary Headers(string id, DateTimeOffset at, string signature) => new()
    {
        ["webhook-id"] = id,
        ["webhook-timestamp"] = at.ToUnixTimeSeconds().ToString(),
        ["webhook-signature"] = signature,
    };

    [Fact]
    public void a_signature_made_with_the_subscriptions_secret_verifies()
    {
        var now = DateTimeOffset.UtcNow;
        var signature = WebhookSender.Signature([Secret], "msg_1", now, Payload);
        signature.ShouldStartWith("v1,");
        Should.NotThrow(() => new StandardWebhook(Secret).Verify(Payload, Headers("msg_1", now, signature)));
    }

    [Fact]
    public void a_forged_signature_a_changed_body_a_changed_id_or_a_stale_timestamp_is_refused()
    {
        var now = DateTimeOffset.UtcNow;
        var receiver = new StandardWebhook(Secret);
        var forged = WebhookSender.Signature([WebhookSubscription.NewSecret()], "msg_1", now, Payload);
        Should.Throw<WebhookVerificationException>(() => receiver.Verify(Payload, Headers("msg_1", now, forged)));

        var signature = WebhookSender.Signature([Secret], "msg_1", now, Payload);
        Should.Throw<WebhookVerificationException>(() => receiver.Verify(Payload.Replace("{}", """{"x":1}"""), Headers("msg_1", now, signature)));
        Should.Throw<WebhookVerificationException>(() => receiver.Verify(Payload, Headers("msg_2", now, signature)));

        // Replayed ten minutes later: the timestamp is outside the receiver's tolerance, the signature notwithstanding.
        var then = now.AddMinutes(-10);
        var stale = WebhookSender.Signature([Secret], "msg_1", then, Payload);
        Should.Throw<WebhookVerificationException>(() => receiver.Verify(Payload, Headers("msg_1", then, stale)));
    }

    [Fact]
    public void the_documented_receiver_code_refuses_the_same_and_accepts_either_secret_during_a_rotation()
    {
        var now = DateTimeOffset.UtcNow;
        var next = WebhookSubscription.NewSecret();
        var ts = now.ToUnixTimeSeconds().ToString();
        var both = WebhookSender.Signature([next, Secret], "msg_1", now, Payload);
        EventCrm.Client.WebhookSignature.IsAuthentic(Secret, "msg_1", ts, both, Payload, now).ShouldBeTrue();
        EventCrm.Client.WebhookSignature.IsAuthentic(next, "msg_1", ts, both, Payload, now).ShouldBeTrue();
        EventCrm.Client.WebhookSignature.IsAuthentic(WebhookSubscription.NewSecret(), "msg_1", ts, both, Payload, now).ShouldBeFalse();
        EventCrm.Client.WebhookSignature.IsAuthentic(Secret, "msg_1", ts, both, Payload + " ", now).ShouldBeFalse();
        EventCrm.Client.WebhookSignature.IsAuthentic(Secret, "msg_2", ts, both, Payload, now).ShouldBeFalse();
        EventCrm.Client.WebhookSignature.IsAuthentic(Secret, "msg_1", ts, both, Payload, now.AddMinutes(10)).ShouldBeFalse();
        EventCrm.Client.WebhookSignature.IsAuthentic(Secret, "msg_1", ts, "v1,bm90IGEgc2lnbmF0dXJl", Payload, now).ShouldBeFalse();
    }

    [Fact]
    public void the_payload_is_the_feed_event_under_its_public_type()
    {
        var @event = new FeedEvent("42", Guid.NewGuid(), "customer_registered", Guid.NewGuid(), "customer", 1,
            new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero), "sam", null, null, null, null, false);
        var json = System.Text.Json.JsonDocument.Parse(WebhookSender.Payload(@event)).RootElement;
        json.GetProperty("type").GetString().ShouldBe("customer_registered");
        json.GetProperty("timestamp").GetDateTimeOffset().ShouldBe(@event.RecordedAt);
        json.GetProperty("data").GetProperty("cursor").GetString().ShouldBe("42");
        Encoding.UTF8.GetByteCount(WebhookSender.Payload(@event)).ShouldBeLessThan(1000);
    }
}
