using Alba;
using EventCrm.Infrastructure.Security;
using EventCrm.Marketing;
using EventCrm.Tests.Imports;
using Microsoft.AspNetCore.Hosting;

namespace EventCrm.Tests.Marketing;

/// <summary>
/// A second application instance starts a campaign and is stopped while it sends: between two batches, and in the
/// middle of one with a message's hand-over in flight. The shared test host (another node of the same cluster, on the
/// same database and SMTP server) notices that the campaign stopped making progress and resumes it. The stored events
/// and what arrived prove that nobody was skipped, and that only the message in flight was sent twice (with the same
/// Message-ID), recorded as resent after a crash.
/// </summary>
[Collection(AppCollection.Name)]
public class when_the_sender_stops_and_resumes(AppFixture app)
{
    private static Task<IAlbaHost> Sender(params (string Key, string Value)[] settings) => AlbaHost.For<Program>(builder =>
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Auth:SigningKey", AppFixture.SigningKey);
        builder.UseSetting("Jobs:RunServer", "false");
        builder.UseSetting("Logging:Format", "text");
        builder.UseSetting("Serilog:MinimumLevel:Default", "Fatal"); // its cancelled handlers log as it stops
        TestMail.Configure(builder);
        // This instance never resumes anybody's work during the test: only the shared host does.
        builder.UseSetting("Marketing:Sending:InFlightLease", "00:05:00");
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
    });

    private async Task<(Guid Campaign, int Version, List<(Guid Id, string Email)> Recipients)> Campaign(int recipients)
    {
        var customers = new List<(Guid Id, string Email)>();
        for (var i = 0; i < recipients; i++) customers.Add(await app.Customer($"Resumed Recipient{i}"));
        var (campaign, version) = await app.EmailCampaign(await app.StaticAudience(customers.Select(c => c.Id)));
        var batches = customers.OrderBy(c => c.Id).ToList(); // frozen batches are in id order
        return (campaign, version, batches);
    }

    private static async Task Schedule(IAlbaHost host, Guid campaign, int version) =>
        await host.Scenario(s =>
        {
            s.WithBearerToken(DevelopmentTokens.Mint(new AuthOptions { SigningKey = AppFixture.SigningKey }, "mia", [Roles.Marketing], DateTimeOffset.UtcNow));
            s.Post.Json(new { version }).ToUrl($"/api/marketing/campaigns/{campaign}/schedule");
            s.StatusCodeShouldBe(200);
        });

    private static async Task Until(Func<Task<bool>> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what} did not happen within {seconds} s.");
            await Task.Delay(50);
        }
    }

    private async Task<List<StoredEvent>> Claims(Guid campaign, (Guid Id, string Email) recipient) =>
        [.. (await app.RecipientEvents(campaign, recipient.Id)).Where(e => e.Type == "email_sending")];

    [Fact]
    public async Task stopped_between_batches_the_rest_is_sent_by_another_node_and_nobody_twice()
    {
        var (campaign, version, recipients) = await Campaign(12);
        // Five messages at once, then one a minute: the sender waits for the pace after the first batch.
        var sender = await Sender(("Marketing:Sending:MessagesPerMinute", "1"), ("Marketing:Sending:Burst", "5"));
        try
        {
            await Schedule(sender, campaign, version);
            await Until(async () => (await StoredEvents.Of(app, campaign)).Any(e => e.Type == "campaign_batch_sent"), "the first batch");
        }
        finally
        {
            await sender.StopAsync();
            await sender.DisposeAsync();
        }
        recipients.Take(5).ShouldAllBe(r => AppFixture.Mail.To(r.Email).Count == 1);
        recipients.Skip(5).ShouldAllBe(r => AppFixture.Mail.To(r.Email).Count == 0);

        await app.WaitForStatus(campaign, "completed");

        foreach (var recipient in recipients)
        {
            AppFixture.Mail.To(recipient.Email).Count.ShouldBe(1, recipient.Email);
            (await app.RecipientEvents(campaign, recipient.Id)).ShouldNotContain(e => e.Type == "email_resent_after_crash");
        }
        var firstSender = (await Claims(campaign, recipients[0])).Single().Data.GetProperty("sender").GetString();
        (await Claims(campaign, recipients[4])).Single().Data.GetProperty("sender").GetString().ShouldBe(firstSender);
        (await Claims(campaign, recipients[5])).Single().Data.GetProperty("sender").GetString().ShouldNotBe(firstSender);
        var batches = (await StoredEvents.Of(app, campaign)).Where(e => e.Type == "campaign_batch_sent")
            .Select(e => e.Data.GetProperty("batch").GetInt32()).ToList();
        // Each batch recorded once. Not necessarily in order: the stopped node's queued batches are handed over from
        // its durable inbox, and the node that takes them over may run them in another order (nobody is sent twice
        // either way: each recipient is claimed before the send).
        batches.Order().ShouldBe([1, 2, 3]);
    }

    [Fact]
    public async Task stopped_in_the_middle_of_a_batch_the_message_in_flight_is_resent_with_its_message_id_and_recorded()
    {
        var (campaign, version, recipients) = await Campaign(7);
        var inFlight = recipients[2];
        var held = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        AppFixture.Mail.BeforeAccept = async (mail, cancellation) =>
        {
            if (!mail.EnvelopeTo.Contains(inFlight.Email) || held.Task.IsCompleted) return;
            held.TrySetResult();
            await release.Task.WaitAsync(cancellation);
        };
        try
        {
            var sender = await Sender();
            try
            {
                await Schedule(sender, campaign, version);
                await held.Task.WaitAsync(TimeSpan.FromSeconds(30));
            }
            finally
            {
                // Stopping cancels the hand-over the relay has not answered yet.
                await sender.StopAsync();
                await sender.DisposeAsync();
            }
            (await Claims(campaign, inFlight)).Count.ShouldBe(1);
            (await app.RecipientEvents(campaign, inFlight.Id)).ShouldNotContain(e => e.Type == "email_sent");
        }
        finally
        {
            // The relay keeps the message it was handed after all: the customer may get it twice.
            release.TrySetResult();
            AppFixture.Mail.BeforeAccept = null;
        }

        var completed = await app.WaitForStatus(campaign, "completed");

        var copies = AppFixture.Mail.To(inFlight.Email);
        copies.Count.ShouldBe(2);
        copies[1].MessageId.ShouldBe(copies[0].MessageId);
        foreach (var recipient in recipients.Where(r => r != inFlight))
            AppFixture.Mail.To(recipient.Email).Count.ShouldBe(1, recipient.Email);
        (await app.RecipientEvents(campaign, inFlight.Id)).Select(e => e.Type)
            .ShouldBe(["campaign_recipient_added", "email_sending", "email_resent_after_crash", "email_sending", "email_sent"]);
        var claims = await Claims(campaign, inFlight);
        claims.Select(c => c.Data.GetProperty("attempt").GetInt32()).ShouldBe([1, 2]);
        claims[1].Data.GetProperty("messageId").GetString().ShouldBe(copies[0].MessageId);
        claims[1].Data.GetProperty("sender").GetString().ShouldNotBe(claims[0].Data.GetProperty("sender").GetString());
        var report = await app.Read($"/api/marketing/campaigns/{campaign}/report");
        report.GetProperty("resentAfterCrash").GetInt64().ShouldBe(1);
        report.GetProperty("sent").GetInt64().ShouldBe(7);
        completed.GetProperty("batchesSent").GetInt32().ShouldBe(2);
    }
}
