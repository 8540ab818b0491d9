using System.Text.Json;
using EventCrm.Marketing;
using EventCrm.Tests.Imports;

namespace EventCrm.Tests.Marketing;

/// <summary>
/// A campaign goes out through real SMTP to the test server: what arrived is read back (headers, merge fields,
/// unsubscribe headers, tracked links), and who got nothing, and why, is read from the stored events.
/// </summary>
[Collection(AppCollection.Name)]
public class when_an_email_campaign_is_sent(AppFixture app)
{
    [Fact]
    public async Task consenting_recipients_get_their_own_message_and_everyone_else_is_skipped_with_the_reason()
    {
        var ann = await app.Customer("Ann <b>Lee</b>");
        var bob = await app.Customer("Bob Brown");
        var unwilling = await app.Customer("Carl Cole", consent: false);
        var suppressed = await app.Customer("Dora Dean");
        await app.Ok("/api/marketing/suppressions", new { email = suppressed.Email, note = "asked by phone" });
        var audience = await app.StaticAudience([ann.Id, bob.Id, unwilling.Id, suppressed.Id]);
        var (campaign, version) = await app.EmailCampaign(audience);
        var code = (await app.Campaign(campaign)).GetProperty("utmCampaign").GetString();

        AppFixture.Mail.To(MarketingApi.TestInbox).ShouldContain(m => m.Subject == "[Test] News for Ada");
        await app.Ok($"/api/marketing/campaigns/{campaign}/schedule", new { version });
        await app.WaitForStatus(campaign, "completed");

        var mail = AppFixture.Mail.To(ann.Email).ShouldHaveSingleItem();
        mail.Subject.ShouldBe("News for Ann");
        mail.Message.HtmlBody!.ShouldContain("Hello Ann &lt;b&gt;Lee&lt;/b&gt;,");
        mail.Message.TextBody!.ShouldContain("Hello Ann <b>Lee</b>,");
        mail.MessageId.ShouldStartWith($"{campaign:N}.{ann.Id:N}.");
        mail.EnvelopeFrom.ShouldBe("bounces@eventcrm.local");
        mail.Header("List-Unsubscribe-Post").ShouldBe("List-Unsubscribe=One-Click");
        mail.Header("List-Unsubscribe")!.ShouldStartWith("<http://localhost/mail/unsubscribe/");
        AppFixture.Mail.To(bob.Email).ShouldHaveSingleItem().Subject.ShouldBe("News for Bob");
        AppFixture.Mail.To(unwilling.Email).ShouldBeEmpty();
        AppFixture.Mail.To(suppressed.Email).ShouldBeEmpty();

        (await Types(campaign, ann.Id)).ShouldBe(["campaign_recipient_added", "email_sending", "email_sent"]);
        (await app.RecipientEvents(campaign, unwilling.Id)).Last().Data.GetProperty("reason").GetString().ShouldBe(SkipReasons.NoConsent);
        (await app.RecipientEvents(campaign, suppressed.Id)).Last().Data.GetProperty("reason").GetString().ShouldBe(SkipReasons.Suppressed);

        // The click goes through our route to the link in the message, tagged; the pixel records an open.
        var click = await app.Public(HttpMethod.Get, $"/mail/click/{mail.Link("click")}");
        click.Context.Response.StatusCode.ShouldBe(302);
        click.Context.Response.Headers.Location.ToString()
            .ShouldBe($"https://shop.example/spring?utm_source=eventcrm&utm_medium=email&utm_campaign={code}&utm_content=a");
        var open = await app.Public(HttpMethod.Get, $"/mail/open/{mail.Link("open")}");
        open.Context.Response.ContentType.ShouldBe("image/gif");
        (await Types(campaign, ann.Id)).ShouldBe(["campaign_recipient_added", "email_sending", "email_sent", "email_link_clicked", "email_opened"]);

        // Odoo's rates: a share of expected − cancelled (4 − 2).
        var report = await app.Read($"/api/marketing/campaigns/{campaign}/report", "analyst");
        (Figure(report, "expected"), Figure(report, "cancelled"), Figure(report, "sent"), Figure(report, "delivered"), Figure(report, "opened"),
            Figure(report, "clicked")).ShouldBe((4, 2, 2, 2, 1, 1));
        report.GetProperty("receivedRatio").GetDouble().ShouldBe(100);
        report.GetProperty("openedRatio").GetDouble().ShouldBe(50);
        report.GetProperty("clickedRatio").GetDouble().ShouldBe(50);
        report.GetProperty("skippedBy").GetProperty(SkipReasons.NoConsent).GetInt64().ShouldBe(1);
        report.GetProperty("skippedBy").GetProperty(SkipReasons.Suppressed).GetInt64().ShouldBe(1);

        var timeline = await app.Read($"/api/customers/{ann.Id}/timeline?pageSize=200", "sales");
        timeline.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("type").GetString()).ShouldContain("email_link_clicked");
    }

    [Fact]
    public async Task the_holdout_gets_nothing_and_is_recorded_with_the_frozen_audience()
    {
        var customers = new List<(Guid Id, string Email)>();
        for (var i = 0; i < 10; i++) customers.Add(await app.Customer($"Holdout Test{i}"));
        var audience = await app.StaticAudience(customers.Select(c => c.Id));
        var (campaign, version) = await app.EmailCampaign(audience, holdout: 0.3);
        await app.Ok($"/api/marketing/campaigns/{campaign}/schedule", new { version });
        await app.WaitForStatus(campaign, "completed");

        var frozen = (await StoredEvents.Of(app, campaign)).Single(e => e.Type == "audience_frozen").Data;
        (frozen.GetProperty("members").GetInt32(), frozen.GetProperty("holdout").GetInt32(), frozen.GetProperty("holdoutShare").GetDouble())
            .ShouldBe((10, 3, 0.3));
        var batches = await StoredEvents.Of(app, frozen.GetProperty("recipientsStream").GetGuid());
        var held = batches.Where(b => b.Data.GetProperty("group").GetString() == "Holdout")
            .SelectMany(b => b.Data.GetProperty("customers").EnumerateArray().Select(c => c.GetGuid())).ToList();
        held.Count.ShouldBe(3);
        foreach (var (id, email) in customers)
            AppFixture.Mail.To(email).Count.ShouldBe(held.Contains(id) ? 0 : 1, email);

        var report = await app.Read($"/api/marketing/campaigns/{campaign}/report");
        (Figure(report, "audience"), Figure(report, "holdout"), Figure(report, "expected"), Figure(report, "sent")).ShouldBe((10, 3, 7, 7));
    }

    [Fact]
    public async Task the_report_comes_as_csv_and_as_a_funnel_chart()
    {
        var one = await app.Customer("Report Reader");
        var (campaign, version) = await app.EmailCampaign(await app.StaticAudience([one.Id]));
        await app.Ok($"/api/marketing/campaigns/{campaign}/schedule", new { version });
        await app.WaitForStatus(campaign, "completed");

        var csv = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("ann", "analyst"));
            s.Get.Url($"/api/marketing/campaigns/{campaign}/report");
            s.WithRequestHeader("Accept", "text/csv");
        });
        var lines = (await csv.ReadAsTextAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        lines[0].ShouldBe("figure,value,percent,currency");
        lines.ShouldContain("delivered,1,100,");
        lines.ShouldContain("cost,0,,EUR");
        var png = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("ann", "analyst"));
            s.Get.Url($"/api/marketing/campaigns/{campaign}/report");
            s.WithRequestHeader("Accept", "image/png");
        });
        png.Context.Response.ContentType.ShouldBe("image/png");
        var sales = await app.Send(HttpMethod.Get, $"/api/marketing/campaigns/{campaign}/report", role: "sales");
        await sales.ShouldBeProblem(403);
    }

    private static long Figure(JsonElement report, string name) => report.GetProperty(name).GetInt64();

    private async Task<List<string>> Types(Guid campaign, Guid customer) =>
        [.. (await app.RecipientEvents(campaign, customer)).Select(e => e.Type)];
}
