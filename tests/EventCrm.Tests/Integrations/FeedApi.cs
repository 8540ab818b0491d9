using System.Text.Json;
using Alba;
using EventCrm.Infrastructure.Security;
using EventCrm.Integrations;
using Microsoft.Extensions.DependencyInjection;

namespace EventCrm.Tests.Integrations;

/// <summary>Reads the feed and manages webhooks the way an integration does.</summary>
public static class FeedApi
{
    public static string IntegrationToken(this AppFixture app) => app.TokenFor("zapier", Roles.Integration);

    public static async Task<JsonElement> Feed(this AppFixture app, string query)
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.IntegrationToken());
            s.Get.Url("/api/feed?" + query);
            s.StatusCodeShouldBe(200);
        });
        return await result.Body();
    }

    /// <summary>The cursor at the end of the feed as it is now: what "from now on" means.</summary>
    public static async Task<string> EndOfFeed(this AppFixture app)
    {
        var mark = await app.Host.Services.GetRequiredService<FeedReader>().HighWaterMark(CancellationToken.None);
        return FeedCursor.Of(mark);
    }

    /// <summary>Every event of the given types after <paramref name="after"/>, until <paramref name="count"/> have been read.</summary>
    public static async Task<List<JsonElement>> ReadUntil(this AppFixture app, string after, int count, string types, TimeSpan? within = null)
    {
        var events = new List<JsonElement>();
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (events.Count < count && DateTime.UtcNow < deadline)
        {
            var page = await app.Feed($"after={after}&types={types}&limit=50&waitSeconds=2");
            events.AddRange(page.GetProperty("events").EnumerateArray().Select(e => e.Clone()));
            after = page.GetProperty("next").GetString()!;
        }
        return events;
    }

    public static async Task<(Guid Id, string Secret)> Subscribe(this AppFixture app, object body)
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.IntegrationToken());
            s.Post.Json(body).ToUrl("/api/webhooks");
            s.StatusCodeShouldBe(201);
        });
        var created = await result.Body();
        return (created.GetProperty("id").GetGuid(), created.GetProperty("secret").GetString()!);
    }

    public static async Task<JsonElement> Webhook(this AppFixture app, Guid id)
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.IntegrationToken());
            s.Get.Url($"/api/webhooks/{id}");
            s.StatusCodeShouldBe(200);
        });
        return await result.Body();
    }

    public static async Task<IScenarioResult> WebhookCommand(this AppFixture app, Guid id, string action, object? body = null) =>
        await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.IntegrationToken());
            s.Post.Json(body ?? new { }).ToUrl($"/api/webhooks/{id}/{action}");
            s.IgnoreStatusCode();
        });

    public static async Task Unsubscribe(this AppFixture app, Guid id) =>
        await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.IntegrationToken());
            s.Delete.Url($"/api/webhooks/{id}");
            s.StatusCodeShouldBe(204);
        });

    /// <summary>Waits until <paramref name="condition"/> holds of the subscription, or fails saying how it stood.</summary>
    public static async Task<JsonElement> WebhookUntil(this AppFixture app, Guid id, Func<JsonElement, bool> condition, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var view = await app.Webhook(id);
            if (condition(view)) return view;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The webhook never reached the expected state: {view}");
            await Task.Delay(100);
        }
    }
}
