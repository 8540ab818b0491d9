using Alba;
using EventCrm.Infrastructure.Security;
using EventCrm.Integrations;
using EventCrm.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace EventCrm.Tests.Integrations;

/// <summary>
/// A receiver is failing while the application stops; the application that starts next on the same database picks
/// up the lane where it was (the event being retried, its attempts) and delivers everything, once each by id, in order.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class when_the_application_restarts_mid_retry(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private readonly System.Diagnostics.Stopwatch _watch = System.Diagnostics.Stopwatch.StartNew();
    private void Mark(string what) => output.WriteLine($"{_watch.Elapsed.TotalSeconds:0.0} s: {what}");

    private OwnDatabase _database = null!;

    public async Task InitializeAsync() => _database = await OwnDatabase.Create("webhooks");

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private Task<IAlbaHost> Start() => AlbaHost.For<Program>(builder =>
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = _database.Application.ConnectionString,
            ["Auth:SigningKey"] = AppFixture.SigningKey,
            ["Jobs:RunServer"] = "false",
            ["Wolverine:Mode"] = "Solo",
            ["Logging:Format"] = "text",
            ["Serilog:MinimumLevel:Default"] = "Warning",
            ["Webhooks:AllowPrivateTargets"] = "true",
            ["Webhooks:AllowHttp"] = "true",
            ["Webhooks:FirstRetryDelay"] = "00:00:00.300",
            ["Webhooks:MaxRetryDelay"] = "00:00:01",
            ["Webhooks:MaxAttempts"] = "50",
        }));
    });

    private static string Token(params string[] roles) =>
        DevelopmentTokens.Mint(new AuthOptions { SigningKey = AppFixture.SigningKey }, "restart", roles, DateTimeOffset.UtcNow);

    [Fact]
    public async Task nothing_is_lost_and_nothing_is_delivered_twice_by_id()
    {
        await using var receiver = await WebhookReceiver.Start();
        receiver.Answer = _ => 503;
        Guid webhook;
        var customers = new List<string>();
        int attemptsBefore;

        Mark("database created");
        await using (var first = await Start())
        {
            Mark("first started");
            var created = await first.Scenario(s =>
            {
                s.WithBearerToken(Token(Roles.Integration));
                s.Post.Json(new { url = receiver.Url, eventTypes = new[] { "customer_registered" }, fromCursor = "0" }).ToUrl("/api/webhooks");
                s.StatusCodeShouldBe(201);
            });
            webhook = (await created.Body()).GetProperty("id").GetGuid();
            for (var i = 0; i < 3; i++)
            {
                var registered = await first.Scenario(s =>
                {
                    s.WithBearerToken(Token(Roles.Sales));
                    s.Post.Json(new { name = $"Restart {i}", email = AppFixture.NewEmail("restart") }).ToUrl("/api/customers");
                    s.StatusCodeShouldBe(201);
                });
                customers.Add((await registered.Body()).GetProperty("id").GetString()!);
            }
            Mark("registered");
            await receiver.Until(r => r.Requests.Count >= 2);
            Mark("two refused");
            var view = await Until(first, webhook, v => v.GetProperty("status").GetString() == WebhookStatus.Failing
                                                        && v.GetProperty("failing").GetProperty("attempts").GetInt32() >= 2);
            attemptsBefore = view.GetProperty("failing").GetProperty("attempts").GetInt32();
        }

        var refusedWhileDown = receiver.Requests.Count;
        receiver.Answer = null;
        Mark("first stopped");
        await using var second = await Start();
        Mark("second started");
        await receiver.Until(r => r.Accepted.Count >= 3, TimeSpan.FromSeconds(30));
        Mark("delivered");
        await Task.Delay(500);

        receiver.Accepted.Select(d => d.StreamId).ShouldBe(customers, "each event once, in order");
        receiver.Accepted.Select(d => d.Id).Distinct().Count().ShouldBe(3);
        receiver.Requests.Take(refusedWhileDown).Select(r => r.Id).Distinct().ShouldBe([receiver.Accepted[0].Id],
            "only the first event was tried while the receiver refused");
        attemptsBefore.ShouldBeGreaterThanOrEqualTo(2);
        var after = await Until(second, webhook, v => v.GetProperty("delivered").GetInt64() == 3);
        after.GetProperty("status").GetString().ShouldBe(WebhookStatus.Active);
    }

    private static async Task<System.Text.Json.JsonElement> Until(IAlbaHost host, Guid webhook, Func<System.Text.Json.JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var result = await host.Scenario(s =>
            {
                s.WithBearerToken(Token(Roles.Integration));
                s.Get.Url($"/api/webhooks/{webhook}");
                s.StatusCodeShouldBe(200);
            });
            var view = await result.Body();
            if (condition(view)) return view;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The webhook never reached the expected state: {view}");
            await Task.Delay(100);
        }
    }
}
