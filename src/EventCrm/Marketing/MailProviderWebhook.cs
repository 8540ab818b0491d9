using System.Text.Json;
using EventCrm.Infrastructure.Http;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;
using Wolverine;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Marketing;

/// <summary>A delivery of the mail provider's webhook that was handled: its <c>webhook-id</c>, so a replay is refused.</summary>
public sealed class WebhookDelivery
{
    public string Id { get; set; } = "";
    public DateTimeOffset ReceivedAt { get; set; }
}

/// <summary>What the provider reports: bounces (hard or soft) and complaints, each naming the Message-ID.</summary>
public record MailProviderEvent(string? Type, string? MessageId, string? Bounce = null, string? Status = null, string? Diagnostic = null,
    DateTimeOffset? At = null);

public record MailProviderEvents(IReadOnlyList<MailProviderEvent>? Events);

public record WebhookAccepted(int Accepted, int Ignored);

/// <summary>
/// The mail provider's webhook (public): signed per Standard Webhooks (<c>webhook-id</c>, <c>webhook-timestamp</c>,
/// <c>webhook-signature</c>: HMAC-SHA256 with the secret <c>Marketing:Bounces:WebhookSecret</c>). A bad signature is
/// a 401, a timestamp outside <c>WebhookTolerance</c> a 400, a delivery id seen before a 409; what it reports is
/// recorded through durable messages committed with the delivery's id.
/// </summary>
public static class MailProviderWebhookEndpoint
{
    public const string RateLimitPolicy = "mail-webhooks";
    public const int MaxBodyBytes = 256 * 1024;

    [WolverinePost("/api/marketing/webhooks/mail", OperationId = "ReceiveMailProviderEvents",
        Summary = "Bounces and complaints from the mail provider (public, Standard Webhooks signature)",
        Description = "Body: {\"events\": [{\"type\": \"bounce\"|\"complaint\", \"messageId\", \"bounce\": \"hard\"|\"soft\", \"status\", \"diagnostic\", \"at\"}]}.")]
    [AllowAnonymous]
    [RateLimited(RateLimitPolicy)]
    [RequestSizeLimit(MaxBodyBytes)]
    [Tags(MarketingModule.PublicMailLinks)]
    public static async Task<(IResult, IMartenOp, OutgoingMessages)> Post(HttpRequest request, IQuerySession session,
        IOptions<MarketingRules> options, TimeProvider clock, CancellationToken cancellation)
    {
        var rules = options.Value.Bounces;
        (IResult, IMartenOp, OutgoingMessages) Refuse(ProblemDetails problem) => (Results.Problem(problem), MartenOps.Nothing(), []);
        if (string.IsNullOrWhiteSpace(rules.WebhookSecret))
            return Refuse(Problems.NotFound("The mail provider webhook is not configured (Marketing:Bounces:WebhookSecret)."));

        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync(cancellation);
        var id = request.Headers["webhook-id"].ToString();
        var now = clock.GetUtcNow();
        if (id.Length is 0 or > 200 || !long.TryParse(request.Headers["webhook-timestamp"], out var seconds))
            return Refuse(WebhookProblems.Unsigned);
        if (Math.Abs((now - DateTimeOffset.FromUnixTimeSeconds(seconds)).TotalSeconds) > rules.WebhookTolerance.TotalSeconds)
            return Refuse(WebhookProblems.Stale);
        try
        {
            new StandardWebhook(rules.WebhookSecret).Verify(body, request.Headers);
        }
        catch (WebhookVerificationException)
        {
            return Refuse(WebhookProblems.Unsigned);
        }
        if (await session.LoadAsync<WebhookDelivery>(id, cancellation) is not null) return Refuse(WebhookProblems.Replayed);

        MailProviderEvents? events;
        try { events = JsonSerializer.Deserialize<MailProviderEvents>(body, new JsonSerializerOptions(JsonSerializerDefaults.Web)); }
        catch (JsonException e) { return Refuse(new FieldErrors().Add("events", $"The body is not the events JSON: {e.Message}").ToProblem()); }

        var messages = new OutgoingMessages();
        var ignored = 0;
        foreach (var e in events?.Events ?? [])
        {
            MailEventKind? kind = (e.Type?.ToLowerInvariant(), e.Bounce?.ToLowerInvariant()) switch
            {
                ("bounce", "hard") => MailEventKind.HardBounce,
                ("bounce", "soft") => MailEventKind.SoftBounce,
                ("complaint", _) => MailEventKind.Complaint,
                _ => null,
            };
            if (kind is null || string.IsNullOrWhiteSpace(e.MessageId)) { ignored++; continue; }
            messages.Add(new RecordMailEvent(e.MessageId, kind.Value, e.Status, e.Diagnostic, "webhook", e.At));
        }
        return (Results.Ok(new WebhookAccepted(messages.Count, ignored)),
            MartenOps.Insert(new WebhookDelivery { Id = id, ReceivedAt = now }), messages);
    }
}

public static class WebhookProblems
{
    public static ProblemDetails Unsigned => new()
    {
        Type = "urn:eventcrm:problem:invalid-signature",
        Title = "The webhook's signature is missing or wrong.",
        Status = StatusCodes.Status401Unauthorized,
        Detail = "Sign the body per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature) with the shared secret.",
    };

    public static ProblemDetails Stale => new()
    {
        Type = "urn:eventcrm:problem:webhook-expired",
        Title = "The webhook's timestamp is too far from now.",
        Status = StatusCodes.Status400BadRequest,
        Detail = "Send deliveries when they are made; an old one may be a replay.",
    };

    public static ProblemDetails Replayed => new()
    {
        Type = "urn:eventcrm:problem:webhook-replayed",
        Title = "This webhook delivery was received already.",
        Status = StatusCodes.Status409Conflict,
        Detail = "Each webhook-id is handled once.",
    };
}
