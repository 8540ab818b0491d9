using System.Text.Json;
using System.Text.RegularExpressions;
using Alba;
using EventCrm.Infrastructure.Security;
using EventCrm.MailSink;
using EventCrm.Marketing;
using EventCrm.Tests.Imports;
using Marten;
using Marten.Events;

namespace EventCrm.Tests.Marketing;

/// <summary>Drives the marketing endpoints the way a client does, and reads what arrived in the test SMTP server.</summary>
public static partial class MarketingApi
{
    public const string Marketer = "mia";
    public const string TestInbox = "mia.marketer@example.com";

    public static Task<IScenarioResult> Send(this AppFixture app, HttpMethod method, string url, object? body = null, string role = Roles.Marketing) =>
        app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor(Marketer, role));
            if (method == HttpMethod.Get) s.Get.Url(url);
            else if (body is null) s.Post.Url(url);
            else s.Post.Json(body).ToUrl(url);
            s.IgnoreStatusCode();
        });

    /// <summary>A POST that must answer <paramref name="status"/>; answers its body.</summary>
    public static async Task<JsonElement> Ok(this AppFixture app, string url, object body, int status = 200)
    {
        var result = await app.Send(HttpMethod.Post, url, body);
        result.Context.Response.StatusCode.ShouldBe(status, await result.ReadAsTextAsync());
        return await result.Body();
    }

    public static async Task<JsonElement> Read(this AppFixture app, string url, string role = Roles.Marketing)
    {
        var result = await app.Send(HttpMethod.Get, url, role: role);
        result.Context.Response.StatusCode.ShouldBe(200, await result.ReadAsTextAsync());
        return await result.Body();
    }

    /// <summary>A customer (registered by sales) who granted e-mail consent for the newsletter unless told otherwise.</summary>
    public static async Task<(Guid Id, string Email)> Customer(this AppFixture app, string name = "Mia Muster", bool consent = true,
        string[]? tags = null, string? timeZone = null, string? country = null)
    {
        var email = AppFixture.NewEmail("recipient");
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Post.Json(new { name, email, tags, timeZone, country }).ToUrl("/api/customers");
            s.StatusCodeShouldBe(201);
        });
        var id = (await result.Body()).GetProperty("id").GetGuid();
        if (consent)
            await app.Host.Scenario(s =>
            {
                s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
                s.Post.Json(new { version = 1, channel = "email", purpose = "newsletter", granted = true, source = "web form" })
                    .ToUrl($"/api/customers/{id}/consents");
                s.StatusCodeShouldBe(200);
            });
        return (id, email);
    }

    public static async Task<Guid> StaticAudience(this AppFixture app, IEnumerable<Guid> customers)
    {
        var audience = (await app.Ok("/api/marketing/audiences", new { name = "List " + Guid.NewGuid().ToString("N")[..6] }, 201)).GetProperty("id").GetGuid();
        var edited = await app.Ok($"/api/marketing/audiences/{audience}/members", new { version = 1, add = customers.ToArray() });
        edited.GetProperty("unknownCustomers").GetArrayLength().ShouldBe(0);
        return audience;
    }

    /// <summary>A planned e-mail campaign with its audience, one variant and a test sent: ready to schedule. Answers id and version.</summary>
    public static async Task<(Guid Id, int Version)> EmailCampaign(this AppFixture app, Guid audience, double holdout = 0,
        string subject = "News for {{ customer.first_name }}", string? html = null, string? name = null)
    {
        name ??= "Campaign " + Guid.NewGuid().ToString("N")[..8];
        var planned = await app.Ok("/api/marketing/campaigns", new { name, channel = "email", budget = 500m, currency = "EUR" }, 201);
        var id = planned.GetProperty("id").GetGuid();
        var version = (await app.Ok($"/api/marketing/campaigns/{id}/audience", new { version = 1, audienceId = audience, holdoutShare = holdout })).GetProperty("version").GetInt32();
        version = (await app.Ok($"/api/marketing/campaigns/{id}/variants", new
        {
            version, subject,
            html = html ?? """<html><body><p>Hello {{ customer.name }},</p><p><a href="https://shop.example/spring">See the offers</a></p></body></html>""",
        })).GetProperty("version").GetInt32();
        version = (await app.Ok($"/api/marketing/campaigns/{id}/test-send", new { version, to = TestInbox })).GetProperty("version").GetInt32();
        return (id, version);
    }

    public static async Task<JsonElement> Campaign(this AppFixture app, Guid id) => await app.Read($"/api/marketing/campaigns/{id}");

    /// <summary>Waits for the campaign to reach a status (the sender works in the background).</summary>
    public static async Task<JsonElement> WaitForStatus(this AppFixture app, Guid id, string status, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var campaign = await app.Campaign(id);
            if (campaign.GetProperty("status").GetString() == status) return campaign;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Campaign {id} is {campaign.GetProperty("status")}, not {status}, after {seconds} s.");
            await Task.Delay(100);
        }
    }

    public static Task<List<StoredEvent>> RecipientEvents(this AppFixture app, Guid campaign, Guid customer) =>
        StoredEvents.Of(app, CampaignRecipient.StreamId(campaign, customer));

    /// <summary>Waits until the projection daemon and the audience keeper have seen every event so far.</summary>
    public static Task CaughtUp(this AppFixture app) => app.Host.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));

    /// <summary>The token of a public link in a message (the path after /mail/{route}/).</summary>
    public static string Link(this ReceivedMail mail, string route) =>
        LinkPattern(route).Match(mail.Message.HtmlBody ?? "") is { Success: true } match
            ? match.Groups["token"].Value
            : throw new InvalidOperationException($"The message has no /mail/{route}/ link.");

    public static string UnsubscribeToken(this ReceivedMail mail) =>
        Regex.Match(mail.Header("List-Unsubscribe") ?? "", "/mail/unsubscribe/(?<token>[A-Za-z0-9_.-]+)>").Groups["token"].Value;

    private static Regex LinkPattern(string route) => new($"/mail/{route}/(?<token>[A-Za-z0-9_.-]+)");

    public static async Task<IScenarioResult> Public(this AppFixture app, HttpMethod method, string url, string? form = null) =>
        await app.Host.Scenario(s =>
        {
            if (method == HttpMethod.Get) s.Get.Url(url);
            else if (form is null) s.Post.Url(url);
            else s.Post.Text(form).ContentType("application/x-www-form-urlencoded").ToUrl(url);
            s.IgnoreStatusCode();
        });

    public static async Task<T> Load<T>(this AppFixture app, Guid id) where T : class
    {
        await using var session = app.Store.QuerySession();
        return (await session.LoadAsync<T>(id))!;
    }
}
