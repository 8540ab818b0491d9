using System.Net;
using System.Text;
using System.Text.Json;
using EventCrm.Infrastructure.Http;
using Microsoft.Extensions.Options;
using StandardWebhooks;

namespace EventCrm.Integrations;

/// <summary>What a receiver answered: delivered, or why not (an excerpt of its answer at most), and whether it is gone.</summary>
public sealed record DeliveryOutcome(bool Delivered, string? Error, bool Gone, TimeSpan? RetryAfter)
{
    public static readonly DeliveryOutcome Success = new(true, null, false, null);
}

/// <summary>
/// Sends one event to one receiver the Standard Webhooks way: a JSON body <c>{type, timestamp, data}</c> and the
/// headers <c>webhook-id</c> (the same on every attempt at the same event, for the receiver to deduplicate),
/// <c>webhook-timestamp</c> and <c>webhook-signature</c> (HMAC-SHA256 with each current secret, space-separated, so
/// that a receiver that still holds the previous secret during a rotation verifies too).
/// </summary>
public sealed class WebhookSender(IHttpClientFactory clients, TimeProvider clock, IOptions<WebhookOptions> options)
{
    public const string ClientName = "webhooks";
    public const int ExcerptLength = 200;

    private static readonly JsonSerializerOptions Json = JsonFor();

    private static JsonSerializerOptions JsonFor()
    {
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        CrmHttp.Configure(json);
        return json;
    }

    /// <summary>The id a receiver deduplicates on: one per event, stable across attempts and replays.</summary>
    public static string MessageId(FeedEvent @event) => $"msg_{@event.Id:N}";

    public static string Payload(FeedEvent @event) =>
        JsonSerializer.Serialize(new WebhookPayload(@event.Type, @event.RecordedAt, @event), Json);

    public static string Signature(IReadOnlyList<string> secrets, string messageId, DateTimeOffset timestamp, string payload) =>
        string.Join(' ', secrets.Select(secret => new StandardWebhook(secret).Sign(messageId, timestamp, payload)));

    public async Task<DeliveryOutcome> Send(WebhookSubscription subscription, FeedEvent @event, CancellationToken cancellation)
    {
        var id = MessageId(@event);
        var now = clock.GetUtcNow();
        var payload = Payload(@event);
        using var request = new HttpRequestMessage(HttpMethod.Post, subscription.Url)
        {
            Content = new StringContent(payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", Signature(subscription.SigningSecrets(now), id, now, payload));
        request.Headers.UserAgent.ParseAdd("EventCrm-Webhooks/1");

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(options.Value.Timeout);
        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (response.IsSuccessStatusCode) return DeliveryOutcome.Success;
            var excerpt = await Excerpt(response, timeout.Token);
            var error = $"{(int)response.StatusCode} {response.ReasonPhrase}{(excerpt.Length > 0 ? ": " + excerpt : "")}";
            return new DeliveryOutcome(false, error, response.StatusCode == HttpStatusCode.Gone,
                response.Headers.RetryAfter?.Delta);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return new DeliveryOutcome(false, $"no answer within {options.Value.Timeout.TotalSeconds:0.#} s", false, null);
        }
        catch (HttpRequestException exception)
        {
            var reason = exception.InnerException is WebhookTargetRefused refused ? refused.Message : exception.Message;
            return new DeliveryOutcome(false, Shorten(reason), false, null);
        }
    }

    /// <summary>The start of a receiver's answer, to say why it refused; never more is read or kept.</summary>
    private static async Task<string> Excerpt(HttpResponseMessage response, CancellationToken cancellation)
    {
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellation);
            var buffer = new char[ExcerptLength];
            using var reader = new StreamReader(body, Encoding.UTF8);
            var read = await reader.ReadBlockAsync(buffer, cancellation);
            return Shorten(new string(buffer, 0, read));
        }
        catch (Exception exception) when (exception is IOException or HttpRequestException or OperationCanceledException)
        {
            return "";
        }
    }

    private static string Shorten(string text)
    {
        var printable = new string([.. text.Select(c => char.IsControl(c) ? ' ' : c)]).Trim();
        return printable.Length <= ExcerptLength ? printable : printable[..ExcerptLength] + "…";
    }
}

/// <summary>A delivery's body: the event's public type, when it was recorded, and the event as the feed serves it.</summary>
public sealed record WebhookPayload(string Type, DateTimeOffset Timestamp, FeedEvent Data);
