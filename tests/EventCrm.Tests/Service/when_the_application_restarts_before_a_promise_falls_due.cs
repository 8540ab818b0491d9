using Alba;
using EventCrm.Infrastructure.Security;
using EventCrm.Service;
using Marten;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace EventCrm.Tests.Service;

/// <summary>
/// An application instance promises a 3-second first response and stops at once; a new instance starts.
/// The durable scheduled check, kept in PostgreSQL, still runs at the due time and records the breach.
/// (The shared test host stays up meanwhile, as other nodes of a cluster would: whichever node picks the
/// check up, it was not lost with the instance that scheduled it.)
/// </summary>
[Collection(AppCollection.Name)]
public class when_the_application_restarts_before_a_promise_falls_due
{
    private static Task<IAlbaHost> Start() => AlbaHost.For<Program>(builder =>
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Auth:SigningKey", AppFixture.SigningKey);
        builder.UseSetting("Jobs:RunServer", "false");
        builder.UseSetting("Logging:Format", "text");
        builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
        builder.UseSetting("Service:Targets:Urgent:FirstResponse", "00:00:03");
        builder.UseSetting("Service:Targets:Urgent:Resolution", "01:00:00");
    });

    [Fact]
    public async Task the_scheduled_check_still_runs_and_records_the_breach()
    {
        Guid ticket;
        var first = await Start();
        try
        {
            var token = DevelopmentTokens.Mint(
                new AuthOptions { SigningKey = AppFixture.SigningKey }, "sue", [Roles.Support, Roles.Sales], DateTimeOffset.UtcNow);
            var customer = await first.Scenario(s =>
            {
                s.WithBearerToken(token);
                s.Post.Json(new { name = "Restart Test", email = AppFixture.NewEmail("restart") }).ToUrl("/api/customers");
                s.StatusCodeShouldBe(201);
            });
            var customerId = (await customer.Body()).GetProperty("id").GetGuid();
            var opened = await first.Scenario(s =>
            {
                s.WithBearerToken(token);
                s.Post.Json(new { customerId, kind = "complaint", subject = "Down", description = "All down", priority = "urgent" })
                    .ToUrl("/api/tickets");
                s.StatusCodeShouldBe(201);
            });
            ticket = (await opened.Body()).GetProperty("id").GetGuid();
        }
        finally
        {
            await first.StopAsync();
            await first.DisposeAsync();
        }

        await using var second = await Start();
        var store = second.Services.GetRequiredService<IDocumentStore>();
        var deadline = DateTimeOffset.UtcNow.AddSeconds(90);
        SlaBreached? breach = null;
        while (breach is null && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(500);
            await using var session = store.QuerySession();
            breach = (await session.Events.FetchStreamAsync(ticket)).Select(e => e.Data).OfType<SlaBreached>().FirstOrDefault();
        }

        breach.ShouldNotBeNull("the scheduled check did not run after the restart");
        breach.Target.ShouldBe(SlaTarget.FirstResponse);
        (breach.At - breach.DueAt).ShouldBeGreaterThanOrEqualTo(TimeSpan.Zero);
    }
}
