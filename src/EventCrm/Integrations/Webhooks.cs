using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Wolverine.Http;
using Wolverine.Http.Marten;
using Wolverine.Marten;
using Wolverine.Persistence;

namespace EventCrm.Integrations;

/// <summary>
/// A new subscription. <c>eventTypes</c> empty or absent: every type. <c>fromCursor</c>: deliver the events after
/// this cursor (0 for the whole history); absent, only the events committed from now on.
/// </summary>
public record CreateWebhook(string Url, IReadOnlyList<string>? EventTypes = null, string? Description = null, string? FromCursor = null);

/// <summary>The new subscription, with its signing secret: shown this once, keep it.</summary>
public record WebhookCreated(Guid Id, string Secret) : CreationResponse($"/api/webhooks/{Id}");

public record ReplayWebhook(string FromCursor);

public record SecretRotated(string Secret, DateTimeOffset PreviousExpiresAt);

/// <summary>
/// A subscription as its owners see it (never its secrets): where it delivers, whether it does, how far it got, the
/// event it is retrying, and the events it gave up on.
/// </summary>
public record WebhookView(
    Guid Id,
    string Url,
    IReadOnlyList<string> EventTypes,
    string? Description,
    string Status,
    string? PausedBecause,
    string Cursor,
    long Delivered,
    DateTimeOffset? LastDeliveredAt,
    FailingDelivery? Failing,
    IReadOnlyList<DeadLetter> DeadLetters,
    int ActiveSecrets,
    DateTimeOffset CreatedAt,
    string CreatedBy)
{
    public static WebhookView Of(WebhookSubscription subscription, WebhookProgress? progress, DateTimeOffset now)
    {
        // A resume or replay the lane has not picked up yet already counts: the lane acts on it within a second.
        var halted = progress?.HaltedBecause is not null && progress.ResumesApplied >= subscription.Resumes;
        var status = subscription.Paused ? WebhookStatus.Paused : halted ? WebhookStatus.Halted
            : progress?.Failing is not null ? WebhookStatus.Failing : WebhookStatus.Active;
        var cursor = subscription.Replay is { } replay && replay.Number > (progress?.ReplaysApplied ?? 0)
            ? replay.FromCursor
            : progress?.Cursor ?? subscription.StartAfter;
        return new WebhookView(subscription.Id, subscription.Url, subscription.EventTypes, subscription.Description, status,
            subscription.Paused ? "Paused by its owner." : halted ? progress!.HaltedBecause : null,
            FeedCursor.Of(cursor), progress?.Delivered ?? 0, progress?.LastDeliveredAt,
            halted ? null : progress?.Failing, progress?.DeadLetters ?? [], subscription.SigningSecrets(now).Count,
            subscription.CreatedAt, subscription.CreatedBy);
    }
}

/// <summary>
/// A subscription's status: delivering (<c>active</c>), retrying an event (<c>failing</c>), stopped by its owners
/// (<c>paused</c>), or stopped by its lane after an event was dead-lettered or the receiver said it is gone (<c>halted</c>).
/// </summary>
public static class WebhookStatus
{
    public const string Active = "active";
    public const string Failing = "failing";
    public const string Paused = "paused";
    public const string Halted = "halted";
}

public static class CreateWebhookEndpoint
{
    public const int MaxDescriptionLength = 500;
    public const int MaxEventTypes = 100;

    public static ProblemDetails Validate(CreateWebhook command, WebhookTargets targets, EventCatalog catalog)
    {
        var errors = new FieldErrors();
        if (targets.Refusal(command.Url) is { } refusal) errors.Add("url", refusal);
        CheckEventTypes(errors, command.EventTypes, catalog);
        if (command.FromCursor is not null && !FeedCursor.TryParse(command.FromCursor, out _))
            errors.Add("fromCursor", "'fromCursor' is not a cursor of the feed (0 for the whole history).");
        return errors.OptionalText("description", command.Description, MaxDescriptionLength).ToProblem();
    }

    internal static void CheckEventTypes(FieldErrors errors, IReadOnlyList<string>? types, EventCatalog catalog)
    {
        if (types is null) return;
        if (types.Count > MaxEventTypes) errors.Add("eventTypes", $"'eventTypes' names at most {MaxEventTypes} types.");
        else
            foreach (var type in types.Where(type => type is null || !catalog.Names.Contains(type)))
                errors.Add("eventTypes", $"'{InputGuard.Printable(type ?? "null")}' is not an event type (GET /api/events/types lists them).");
    }

    [WolverinePost("/api/webhooks", OperationId = "CreateWebhook", Summary = "Subscribe a URL to events",
        Description = "Deliveries are signed the Standard Webhooks way with the secret in the answer (shown once). They start after fromCursor if given, else with the events committed from now on; in order, at least once, each with a webhook-id to deduplicate on. https only (http in Development), and never to loopback, private or link-local addresses unless Webhooks:AllowPrivateTargets is set.")]
    [Authorize(Policy = Policies.Integrations)]
    [Tags("Integrations")]
    public static async Task<(WebhookCreated, IMartenOp)> Post(CreateWebhook command, HttpContext http, TimeProvider clock,
        FeedReader feed, CancellationToken cancellation)
    {
        var now = clock.GetUtcNow();
        var subscription = new WebhookSubscription
        {
            Id = Guid.CreateVersion7(now),
            Url = command.Url.Trim(),
            EventTypes = [.. (command.EventTypes ?? []).Distinct(StringComparer.Ordinal)],
            Description = string.IsNullOrWhiteSpace(command.Description) ? null : command.Description.Trim(),
            CreatedAt = now,
            CreatedBy = http.User.Identity?.Name ?? "",
            StartAfter = command.FromCursor is { } from ? FeedCursor.Parse(from) : await feed.HighWaterMark(cancellation),
            Secrets = [new WebhookSecret(WebhookSubscription.NewSecret(), now, null)],
        };
        return (new WebhookCreated(subscription.Id, subscription.Secrets[0].Value), MartenOps.Insert(subscription));
    }
}

public static class WebhookQueries
{
    [WolverineGet("/api/webhooks", OperationId = "ListWebhooks", Summary = "The webhook subscriptions and how their deliveries stand")]
    [Authorize(Policy = Policies.Integrations)]
    [Tags("Integrations")]
    public static async Task<IReadOnlyList<WebhookView>> List(IQuerySession session, TimeProvider clock, CancellationToken cancellation)
    {
        var subscriptions = await session.Query<WebhookSubscription>().OrderBy(s => s.CreatedAt).ToListAsync(cancellation);
        var progress = (await session.LoadManyAsync<WebhookProgress>(cancellation, subscriptions.Select(s => s.Id).ToArray()))
            .ToDictionary(p => p.Id);
        var now = clock.GetUtcNow();
        return [.. subscriptions.Select(s => WebhookView.Of(s, progress.GetValueOrDefault(s.Id), now))];
    }

    [WolverineGet("/api/webhooks/{webhookId}", OperationId = "GetWebhook", Summary = "A webhook subscription: status, cursor, retries and dead letters")]
    [Authorize(Policy = Policies.Integrations)]
    [Tags("Integrations")]
    public static async Task<WebhookView> Get(
        [Document("webhookId", OnMissing = OnMissing.ProblemDetailsWith404, MissingMessage = "No webhook has id {0}")] WebhookSubscription subscription,
        IQuerySession session, TimeProvider clock, CancellationToken cancellation) =>
        WebhookView.Of(subscription, await session.LoadAsync<WebhookProgress>(subscription.Id, cancellation), clock.GetUtcNow());
}

// The owners' requests below change the subscription only; its lane acts on them within a second.

public static class PauseWebhookEndpoint
{
    [WolverinePost("/api/webhooks/{webhookId}/pause", OperationId = "PauseWebhook", Summary = "Stop delivering to a webhook until it is resumed",
        Description = "The events committed meanwhile are delivered after the resume, in order.")]
    [Authorize(Policy = Policies.Integrations)]
    [Tags("Integrations")]
    public static IMartenOp Pause(
        [Document("webhookId", OnMissing = OnMissing.ProblemDetailsWith404, MissingMessage = "No webhook has id {0}")] WebhookSubscription subscription)
    {
        subscription.Paused = true;
        return MartenOps.Store(subscription);
    }
}

public static class ResumeWebhookEndpoint
{
    [WolverinePost("/api/webhooks/{webhookId}/resume", OperationId = "ResumeWebhook", Summary = "Deliver again to a paused webhook",
        Description = "Also lifts the pause that follows a dead letter: delivery starts again with the event that failed, with fresh attempts.")]
    [Authorize(Policy = Policies.Integrations)]
    [Tags("Integrations")]
    public static IMartenOp Resume(
        [Document("webhookId", OnMissing = OnMissing.ProblemDetailsWith404, MissingMessage = "No webhook has id {0}")] WebhookSubscription subscription)
    {
        subscription.Paused = false;
        subscription.Resumes++;
        return MartenOps.Store(subscription);
    }
}

public static class ReplayWebhookEndpoint
{
    public static ProblemDetails Validate(ReplayWebhook command) =>
        FeedCursor.TryParse(command.FromCursor, out _)
            ? Problems.None
            : new FieldErrors().Add("fromCursor", "'fromCursor' is required: a cursor of the feed (0 for the whole history).").ToProblem();

    [WolverinePost("/api/webhooks/{webhookId}/replay", OperationId = "ReplayWebhook", Summary = "Deliver again every event after a cursor",
        Description = "The lane moves its cursor to fromCursor and delivers, in order, every matching event after it, with the webhook-ids they had the first time.")]
    [Authorize(Policy = Policies.Integrations)]
    [Tags("Integrations")]
    public static IMartenOp Replay(ReplayWebhook command,
        [Document("webhookId", OnMissing = OnMissing.ProblemDetailsWith404, MissingMessage = "No webhook has id {0}")] WebhookSubscription subscription,
        TimeProvider clock)
    {
        subscription.Replay = new ReplayRequest(FeedCursor.Parse(command.FromCursor), (subscription.Replay?.Number ?? 0) + 1, clock.GetUtcNow());
        return MartenOps.Store(subscription);
    }
}

public static class RotateWebhookSecretEndpoint
{
    [WolverinePost("/api/webhooks/{webhookId}/secret", OperationId = "RotateWebhookSecret", Summary = "Rotate a webhook's signing secret",
        Description = "Deliveries are signed with the new secret and, until previousExpiresAt, also with the previous one (webhook-signature carries both), so the receiver can switch without losing a delivery.")]
    [Authorize(Policy = Policies.Integrations)]
    [Tags("Integrations")]
    public static (SecretRotated, IMartenOp) Rotate(
        [Document("webhookId", OnMissing = OnMissing.ProblemDetailsWith404, MissingMessage = "No webhook has id {0}")] WebhookSubscription subscription,
        TimeProvider clock, IOptions<WebhookOptions> options)
    {
        var now = clock.GetUtcNow();
        var expires = now + options.Value.SecretOverlap;
        var current = subscription.SigningSecrets(now);
        subscription.Secrets =
        [
            new WebhookSecret(WebhookSubscription.NewSecret(), now, null),
            .. subscription.Secrets.Where(s => current.Contains(s.Value))
                .Select(s => s with { ExpiresAt = s.ExpiresAt is { } at && at < expires ? at : expires }),
        ];
        return (new SecretRotated(subscription.Secrets[0].Value, expires), MartenOps.Store(subscription));
    }
}

public static class DeleteWebhookEndpoint
{
    [WolverineDelete("/api/webhooks/{webhookId}", OperationId = "DeleteWebhook", Summary = "Delete a webhook subscription",
        Description = "Nothing more is delivered to it; its progress is removed with it.")]
    [Authorize(Policy = Policies.Integrations)]
    [Tags("Integrations")]
    public static (NoContent, IMartenOp) Delete(
        [Document("webhookId", OnMissing = OnMissing.ProblemDetailsWith404, MissingMessage = "No webhook has id {0}")] WebhookSubscription subscription) =>
        (TypedResults.NoContent(), MartenOps.Delete(subscription));
}
