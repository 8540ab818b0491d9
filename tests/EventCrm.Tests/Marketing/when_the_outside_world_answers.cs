using System.Text;
using System.Text.Json;
using Alba;
using EventCrm.Infrastructure.Security;
using EventCrm.Marketing;
using EventCrm.Tests.Imports;
using MailKit.Net.Smtp;
using MimeKit;
using StandardWebhooks;

namespace EventCrm.Tests.Marketing;

/// <summary>
/// What comes back after mail goes out, and what comes in from channels the system does not deliver: a web-form lead's
/// double opt-in, the mail provider's signed webhook, delivery status notifications on the bounce mailbox, touches
/// posted and imported, the frequency cap across campaigns and an A/B test's winner, each read back from stored events.
/// </summary>
[Collection(AppCollection.Name)]
public class when_the_outside_world_answers(AppFixture app)
{
    [Fact]
    public async Task a_web_form_lead_who_asks_for_news_confirms_once_and_its_customer_gets_the_consent_with_the_evidence()
    {
        var formName = "News page " + Guid.NewGuid().ToString("N")[..6];
        var form = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("ada", Roles.Admin));
            s.Post.Json(new { name = formName }).ToUrl("/api/admin/forms");
            s.StatusCodeShouldBe(201);
        });
        var key = (await form.Body()).GetProperty("key").GetString();
        var email = AppFixture.NewEmail("optin");
        await app.Host.Scenario(s =>
        {
            s.Post.Json(new { name = "Olga Optin", email, subscribe = true, consentTextVersion = "news-2026-11" })
                .ToUrl($"/api/forms/{key}/leads")
                .QueryString("utm_source", "partner").QueryString("utm_medium", "banner").QueryString("utm_campaign", "winter-sale");
            s.WithRequestHeader("User-Agent", "OptinBrowser/1.0");
            s.StatusCodeShouldBe(202);
        });

        var confirmation = await Arrived(email);
        var token = confirmation.Link("confirm");
        var leads = await app.Read($"/api/leads?source={Uri.EscapeDataString("form:" + formName)}", Roles.Sales);
        var leadId = leads.GetProperty("items").EnumerateArray().Single().GetProperty("id").GetGuid();

        // Opening the link changes nothing; the button confirms, once.
        (await (await app.Public(HttpMethod.Get, $"/mail/confirm/{token}")).ReadAsTextAsync()).ShouldContain("Yes, subscribe me");
        (await StoredEvents.Of(app, leadId)).ShouldNotContain(e => e.Type == "lead_consent_confirmed");
        var confirmed = await app.Host.Scenario(s =>
        {
            s.Post.Url($"/mail/confirm/{token}");
            s.WithRequestHeader("User-Agent", "OptinBrowser/1.0");
            s.StatusCodeShouldBe(200);
        });
        (await confirmed.ReadAsTextAsync()).ShouldContain("is subscribed to our newsletter");
        await (await app.Public(HttpMethod.Post, $"/mail/confirm/{token}")).ShouldBeProblem(409, LinkProblems.UsedType);

        var events = await StoredEvents.Of(app, leadId);
        var captured = events.First(e => e.Type == "lead_captured").Data;
        captured.GetProperty("utm").GetProperty("campaign").GetString().ShouldBe("winter-sale");
        captured.GetProperty("subscribeTo").GetString().ShouldBe("newsletter");
        events.Single(e => e.Type == "lead_consent_confirmation_sent").Data.GetProperty("consentTextVersion").GetString().ShouldBe("news-2026-11");
        var evidence = events.Single(e => e.Type == "lead_consent_confirmed").Data;
        evidence.GetProperty("email").GetString().ShouldBe(email);
        evidence.GetProperty("consentTextVersion").GetString().ShouldBe("news-2026-11");
        evidence.GetProperty("userAgent").GetString().ShouldBe("OptinBrowser/1.0");
        evidence.TryGetProperty("confirmedAt", out _).ShouldBeTrue();

        // The conversion carries the UTM tags and gives the new customer the confirmed consent.
        var leadVersion = (await app.Read($"/api/leads/{leadId}", Roles.Sales)).GetProperty("version").GetInt32();
        var converted = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Post.Json(new
            {
                version = leadVersion,
                opportunity = new { title = "Winter order", amount = 120m, currency = "EUR", expectedCloseDate = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(30)) },
            }).ToUrl($"/api/leads/{leadId}/convert");
            s.StatusCodeShouldBe(200);
        });
        var customerId = (await converted.Body()).GetProperty("customerId").GetGuid();
        var granted = (await StoredEvents.Of(app, customerId)).Single(e => e.Type == "consent_granted").Data;
        granted.GetProperty("purpose").GetString().ShouldBe("newsletter");
        granted.GetProperty("source").GetString().ShouldBe($"double opt-in (lead {leadId})");
        (await StoredEvents.Of(app, leadId)).Last().Data.GetProperty("utm").GetProperty("source").GetString().ShouldBe("partner");
    }

    [Fact]
    public async Task a_signed_webhook_hard_bounce_suppresses_the_address_and_forged_stale_or_replayed_deliveries_change_nothing()
    {
        var (campaign, customer, mail) = await SentToOne("Hank Hardbounce");
        var body = JsonSerializer.Serialize(new
        {
            events = new object[]
            {
                new { type = "bounce", messageId = mail.MessageId, bounce = "hard", status = "5.1.1", diagnostic = "user unknown" },
                new { type = "open", messageId = mail.MessageId }, // not a kind the webhook records
            },
        });
        var id = "msg_" + Guid.NewGuid().ToString("N");

        var forged = await Webhook(body, id, secret: "whsec_" + Convert.ToBase64String(Encoding.UTF8.GetBytes("not-the-shared-secret-at-all")));
        await forged.ShouldBeProblem(401, "urn:eventcrm:problem:invalid-signature");
        await (await Webhook(body, id, at: DateTimeOffset.UtcNow.AddHours(-1))).ShouldBeProblem(400, "urn:eventcrm:problem:webhook-expired");
        (await app.RecipientEvents(campaign, customer.Id)).ShouldNotContain(e => e.Type == "email_bounced");

        var accepted = await Webhook(body, id);
        accepted.Context.Response.StatusCode.ShouldBe(200);
        (await accepted.Body()).GetProperty("accepted").GetInt32().ShouldBe(1);
        await Eventually(async () => (await app.RecipientEvents(campaign, customer.Id)).Any(e => e.Type == "email_bounced"));
        var bounced = (await app.RecipientEvents(campaign, customer.Id)).Single(e => e.Type == "email_bounced").Data;
        (bounced.GetProperty("kind").GetString(), bounced.GetProperty("status").GetString(), bounced.GetProperty("source").GetString())
            .ShouldBe(("Hard", "5.1.1", "webhook")); // stored events keep enums by name
        var status = await app.Read($"/api/marketing/suppressions?email={Uri.EscapeDataString(customer.Email)}");
        (status.GetProperty("suppressed").GetBoolean(), status.GetProperty("reason").GetString()).ShouldBe((true, "hardBounce"));

        await (await Webhook(body, id)).ShouldBeProblem(409, "urn:eventcrm:problem:webhook-replayed");
        (await app.RecipientEvents(campaign, customer.Id)).Count(e => e.Type == "email_bounced").ShouldBe(1);
        var report = await app.Read($"/api/marketing/campaigns/{campaign}/report");
        report.GetProperty("hardBounced").GetInt64().ShouldBe(1);
    }

    [Fact]
    public async Task a_delivery_status_notification_on_the_bounce_mailbox_is_a_soft_bounce_that_is_retried()
    {
        var (campaign, customer, mail) = await SentToOne("Sonja Softbounce");

        // A reporting server's DSN (RFC 3464) to the envelope sender, over SMTP to the app's own bounce mailbox.
        var report = new MimeMessage();
        report.From.Add(MailboxAddress.Parse("mailer-daemon@mx.example"));
        report.To.Add(MailboxAddress.Parse("bounces@eventcrm.local"));
        report.Subject = "Delivery delayed";
        report.Body = MimeEntity.Load(new MemoryStream(Encoding.ASCII.GetBytes(
            "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n" +
            "--b\r\nContent-Type: text/plain\r\n\r\nThe mailbox is full; we keep trying.\r\n" +
            "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\n" +
            $"Final-Recipient: rfc822; {customer.Email}\r\nAction: delayed\r\nStatus: 4.2.2\r\nDiagnostic-Code: smtp; 452 mailbox full\r\n" +
            $"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <{mail.MessageId}>\r\nSubject: {mail.Subject}\r\n--b--\r\n")));
        using (var smtp = new SmtpClient())
        {
            await smtp.ConnectAsync("127.0.0.1", app.BouncePort, MailKit.Security.SecureSocketOptions.None);
            await smtp.SendAsync(report);
            await smtp.DisconnectAsync(true);
        }

        await Eventually(async () => (await app.RecipientEvents(campaign, customer.Id)).Any(e => e.Type == "email_bounced"));
        var bounced = (await app.RecipientEvents(campaign, customer.Id)).First(e => e.Type == "email_bounced").Data;
        (bounced.GetProperty("kind").GetString(), bounced.GetProperty("status").GetString()).ShouldBe(("Soft", "4.2.2"));
        bounced.GetProperty("retryAt").ValueKind.ShouldBe(JsonValueKind.String);
        // Retried when due (a second after, in the tests): the same message again, under its stable Message-ID.
        await Eventually(async () => AppFixture.Mail.To(customer.Email).Count == 2);
        AppFixture.Mail.To(customer.Email).Select(m => m.MessageId).Distinct().ShouldHaveSingleItem().ShouldBe(mail.MessageId);
        (await app.Read($"/api/marketing/suppressions?email={Uri.EscapeDataString(customer.Email)}")).GetProperty("suppressed").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task touches_are_recorded_from_a_batch_and_a_file_and_rows_that_name_nobody_are_listed()
    {
        var (campaign, customer, _) = await SentToOne("Tina Touch");
        var other = await app.Customer("Udo Untouched");
        var at = DateTimeOffset.UtcNow.AddHours(-2);

        var batch = await app.Ok($"/api/marketing/campaigns/{campaign}/touches", new
        {
            touches = new object[]
            {
                new { customerId = customer.Id, kind = "impression", at, cost = 0.02m },
                new { email = other.Email.ToUpperInvariant(), kind = "visit", at },
                new { email = "nobody@example.com", kind = "click", at },
            },
        });
        batch.GetProperty("recorded").GetInt32().ShouldBe(2);
        var rejected = batch.GetProperty("rejected").EnumerateArray().Single();
        (rejected.GetProperty("row").GetInt32(), rejected.GetProperty("field").GetString()).ShouldBe((3, "email"));

        var csv = $"customerId,email,kind,at,cost\n{other.Id},,attended,{at:O},12.50\n,{customer.Email},reply,{at:O},\nnot-an-id,,click,{at:O},\n";
        var imported = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor(MarketingApi.Marketer, Roles.Marketing));
            s.Post.Text(csv).ContentType("text/csv").ToUrl($"/api/marketing/campaigns/{campaign}/touches/import");
            s.StatusCodeShouldBe(200);
        });
        var file = await imported.Body();
        file.GetProperty("recorded").GetInt32().ShouldBe(2);
        file.GetProperty("rejected").EnumerateArray().Single().GetProperty("reason").GetString().ShouldBe("Not a customer id.");

        var touches = (await app.RecipientEvents(campaign, customer.Id)).Where(e => e.Type == "touch_recorded").ToList();
        touches.Select(t => (t.Data.GetProperty("kind").GetString(), t.Data.GetProperty("source").GetString()))
            .ShouldBe([("Impression", "api"), ("Reply", "import")]);
        var untouched = (await app.RecipientEvents(campaign, other.Id)).Select(e => e.Type).ToList();
        untouched.ShouldBe(["campaign_recipient_added", "touch_recorded", "touch_recorded"]); // reached by touches only
        var cost = (await app.RecipientEvents(campaign, other.Id)).Last().Data;
        (cost.GetProperty("cost").GetDecimal(), cost.GetProperty("currency").GetString()).ShouldBe((12.50m, "EUR"));
    }

    [Fact]
    public async Task the_frequency_cap_skips_a_customer_who_had_as_many_mails_as_the_window_allows()
    {
        var capped = await app.Customer("Fred Frequent");
        var fresh = await app.Customer("Greta Fresh");
        var cap = 3; // Marketing:Sending:FrequencyCap, the default, within its 7-day window
        for (var i = 0; i < cap; i++) await SendAndWait(await app.StaticAudience([capped.Id]));
        AppFixture.Mail.To(capped.Email).Count.ShouldBe(cap);

        var last = await SendAndWait(await app.StaticAudience([capped.Id, fresh.Id]));

        (await app.RecipientEvents(last, capped.Id)).Last().Data.GetProperty("reason").GetString().ShouldBe(SkipReasons.FrequencyCap);
        AppFixture.Mail.To(capped.Email).Count.ShouldBe(cap);
        AppFixture.Mail.To(fresh.Email).ShouldHaveSingleItem();
        (await app.Read($"/api/marketing/campaigns/{last}/report")).GetProperty("skippedBy").GetProperty(SkipReasons.FrequencyCap).GetInt64().ShouldBe(1);
    }

    [Fact]
    public async Task an_ab_test_sends_the_variants_to_its_share_and_the_winner_by_clicks_to_the_rest()
    {
        var customers = new List<(Guid Id, string Email)>();
        for (var i = 0; i < 8; i++) customers.Add(await app.Customer($"Abby Tester{i}"));
        var planned = await app.Ok("/api/marketing/campaigns", new { name = "AB " + Guid.NewGuid().ToString("N")[..6], channel = "email" }, 201);
        var id = planned.GetProperty("id").GetGuid();
        var version = (await app.Ok($"/api/marketing/campaigns/{id}/audience",
            new { version = 1, audienceId = await app.StaticAudience(customers.Select(c => c.Id)), holdoutShare = 0 })).GetProperty("version").GetInt32();
        foreach (var variant in new[] { "a", "b" })
            version = (await app.Ok($"/api/marketing/campaigns/{id}/variants", new
            {
                version, variantId = variant, subject = $"Variant {variant}",
                html = $"""<p>Hello {"{{ customer.first_name }}"}</p><p><a href="https://shop.example/{variant}">Look</a></p>""",
            })).GetProperty("version").GetInt32();
        version = (await app.Ok($"/api/marketing/campaigns/{id}/ab-test", new { version, testShare = 0.5, winnerAfter = "00:00:10", metric = "clicks" }))
            .GetProperty("version").GetInt32();
        version = (await app.Ok($"/api/marketing/campaigns/{id}/test-send", new { version, to = MarketingApi.TestInbox })).GetProperty("version").GetInt32();
        await app.Ok($"/api/marketing/campaigns/{id}/schedule", new { version });

        // The test share: two of each variant. One "b" recipient clicks, well before the ten seconds are over.
        await Eventually(async () => customers.Sum(c => AppFixture.Mail.To(c.Email).Count) == 4);
        var test = customers.SelectMany(c => AppFixture.Mail.To(c.Email)).ToList();
        test.GroupBy(m => m.Subject).Select(g => (g.Key, g.Count())).OrderBy(g => g.Key).ShouldBe([("Variant a", 2), ("Variant b", 2)]);
        (await app.Public(HttpMethod.Get, $"/mail/click/{test.First(m => m.Subject == "Variant b").Link("click")}")).Context.Response.StatusCode.ShouldBe(302);

        await app.WaitForStatus(id, "completed", seconds: 60);
        var chosen = (await StoredEvents.Of(app, id)).Single(e => e.Type == "campaign_winner_chosen").Data;
        chosen.GetProperty("variantId").GetString().ShouldBe("b");
        chosen.GetProperty("results").EnumerateArray().Select(r => (r.GetProperty("variantId").GetString(), r.GetProperty("clicked").GetInt32()))
            .ShouldBe([("a", 0), ("b", 1)]);
        var rest = customers.SelectMany(c => AppFixture.Mail.To(c.Email)).Except(test).ToList();
        rest.Count.ShouldBe(4);
        rest.ShouldAllBe(m => m.Subject == "Variant b");
    }

    private async Task<(Guid Campaign, (Guid Id, string Email) Customer, EventCrm.MailSink.ReceivedMail Mail)> SentToOne(string name)
    {
        var customer = await app.Customer(name);
        var campaign = await SendAndWait(await app.StaticAudience([customer.Id]));
        return (campaign, customer, AppFixture.Mail.To(customer.Email).Single());
    }

    private async Task<Guid> SendAndWait(Guid audience)
    {
        var (campaign, version) = await app.EmailCampaign(audience);
        await app.Ok($"/api/marketing/campaigns/{campaign}/schedule", new { version });
        await app.WaitForStatus(campaign, "completed");
        return campaign;
    }

    private static async Task<EventCrm.MailSink.ReceivedMail> Arrived(string email)
    {
        await Eventually(() => Task.FromResult(AppFixture.Mail.To(email).Count > 0));
        return AppFixture.Mail.To(email).Single();
    }

    private Task<IScenarioResult> Webhook(string body, string id, string secret = TestMail.WebhookSecret, DateTimeOffset? at = null)
    {
        var timestamp = at ?? DateTimeOffset.UtcNow;
        var signature = new StandardWebhook(secret).Sign(id, timestamp, body);
        return app.Host.Scenario(s =>
        {
            s.Post.Text(body).ContentType("application/json").ToUrl("/api/marketing/webhooks/mail");
            s.WithRequestHeader("webhook-id", id);
            s.WithRequestHeader("webhook-timestamp", timestamp.ToUnixTimeSeconds().ToString());
            s.WithRequestHeader("webhook-signature", signature);
            s.IgnoreStatusCode();
        });
    }

    private static async Task Eventually(Func<Task<bool>> condition, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Not so after {seconds} s.");
            await Task.Delay(100);
        }
    }
}
