using EventCrm.Marketing;
using EventCrm.MailSink;
using EventCrm.Tests.Imports;

namespace EventCrm.Tests.Marketing;

/// <summary>
/// The public routes the links in a message lead to: one-click unsubscribe (RFC 8058), the preference page, and their
/// refusals of forged, expired and reused tokens as RFC 9457 problems.
/// </summary>
[Collection(AppCollection.Name)]
public class when_a_recipient_follows_the_links_in_a_message(AppFixture app)
{
    private async Task<(Guid Campaign, ReceivedMail Ann, ReceivedMail Bob, (Guid Id, string Email) AnnCustomer, (Guid Id, string Email) BobCustomer)> Sent()
    {
        var ann = await app.Customer("Ann Clicker");
        var bob = await app.Customer("Bob Chooser");
        var (campaign, version) = await app.EmailCampaign(await app.StaticAudience([ann.Id, bob.Id]));
        await app.Ok($"/api/marketing/campaigns/{campaign}/schedule", new { version });
        await app.WaitForStatus(campaign, "completed");
        return (campaign, AppFixture.Mail.To(ann.Email).Single(), AppFixture.Mail.To(bob.Email).Single(), ann, bob);
    }

    [Fact]
    public async Task one_click_unsubscribe_withdraws_the_consent_once_and_the_page_alone_changes_nothing()
    {
        var (campaign, ann, _, customer, _) = await Sent();
        var url = $"/mail/unsubscribe/{ann.UnsubscribeToken()}";

        var page = await app.Public(HttpMethod.Get, url);
        page.Context.Response.ContentType!.ShouldStartWith("text/html");
        (await page.ReadAsTextAsync()).ShouldContain("<button type=\"submit\">Unsubscribe</button>");
        (await StoredEvents.Of(app, customer.Id)).ShouldNotContain(e => e.Type == "consent_withdrawn");

        var unsubscribed = await app.Public(HttpMethod.Post, url, "List-Unsubscribe=One-Click");
        unsubscribed.Context.Response.StatusCode.ShouldBe(200);
        var withdrawn = (await StoredEvents.Of(app, customer.Id)).Single(e => e.Type == "consent_withdrawn").Data;
        withdrawn.GetProperty("purpose").GetString().ShouldBe("newsletter");
        withdrawn.GetProperty("source").GetString().ShouldBe($"unsubscribe link (campaign {campaign})");
        (await app.RecipientEvents(campaign, customer.Id)).Last().Type.ShouldBe("recipient_unsubscribed");

        var again = await app.Public(HttpMethod.Post, url, "List-Unsubscribe=One-Click");
        await again.ShouldBeProblem(409, LinkProblems.UsedType);
        (await (await app.Public(HttpMethod.Get, url)).ReadAsTextAsync()).ShouldContain("You are unsubscribed");
        (await app.Read($"/api/marketing/campaigns/{campaign}/report")).GetProperty("unsubscribed").GetInt64().ShouldBe(1);
    }

    [Fact]
    public async Task forged_and_expired_links_are_refused_and_a_browser_gets_the_problem_as_a_page()
    {
        var (_, ann, bob, _, _) = await Sent();
        var click = ann.Link("click");
        var forged = click[..^2] + (click[^2] == 'A' ? "B" : "A") + click[^1];

        await (await app.Public(HttpMethod.Get, $"/mail/click/{forged}")).ShouldBeProblem(400, LinkProblems.InvalidType);
        await (await app.Public(HttpMethod.Get, $"/mail/open/{click}")).ShouldBeProblem(400, LinkProblems.InvalidType); // a click token is no open token
        await (await app.Public(HttpMethod.Post, $"/mail/unsubscribe/{forged}", "List-Unsubscribe=One-Click")).ShouldBeProblem(400, LinkProblems.InvalidType);
        var page = await app.Host.Scenario(s =>
        {
            s.Get.Url($"/mail/preferences/not-a-token");
            s.WithRequestHeader("Accept", "text/html");
            s.StatusCodeShouldBe(400);
        });
        (await page.ReadAsTextAsync()).ShouldContain("This link is not valid.");

        using (app.Clock.Travel(TimeSpan.FromDays(91)))
        {
            await (await app.Public(HttpMethod.Post, $"/mail/unsubscribe/{bob.UnsubscribeToken()}", "List-Unsubscribe=One-Click"))
                .ShouldBeProblem(410, LinkProblems.ExpiredType);
            await (await app.Public(HttpMethod.Get, $"/mail/preferences/{bob.Link("preferences")}")).ShouldBeProblem(410, LinkProblems.ExpiredType);
            (await app.Public(HttpMethod.Get, $"/mail/click/{bob.Link("click")}")).Context.Response.StatusCode.ShouldBe(302);
        }
        using (app.Clock.Travel(TimeSpan.FromDays(181)))
            await (await app.Public(HttpMethod.Get, $"/mail/click/{bob.Link("click")}")).ShouldBeProblem(410, LinkProblems.ExpiredType);
    }

    [Fact]
    public async Task the_preference_page_sets_consent_per_purpose_and_can_stop_all_mail()
    {
        var (_, _, bob, _, customer) = await Sent();
        var url = $"/mail/preferences/{bob.Link("preferences")}";

        var page = await (await app.Public(HttpMethod.Get, url)).ReadAsTextAsync();
        page.ShouldContain("""value="newsletter" checked""");
        page.ShouldContain("""value="offers">""");

        (await app.Public(HttpMethod.Post, url, "purpose=offers")).Context.Response.StatusCode.ShouldBe(200);
        var consents = (await app.Read($"/api/customers/{customer.Id}", "sales")).GetProperty("consents").EnumerateArray()
            .ToDictionary(c => c.GetProperty("purpose").GetString()!, c => c.GetProperty("granted").GetBoolean());
        consents.ShouldBe(new Dictionary<string, bool> { ["newsletter"] = false, ["offers"] = true });

        await app.Public(HttpMethod.Post, url, "purpose=newsletter&stopAll=on");
        var status = await app.Read($"/api/marketing/suppressions?email={Uri.EscapeDataString(customer.Email)}");
        status.GetProperty("suppressed").GetBoolean().ShouldBeTrue();
        status.GetProperty("reason").GetString().ShouldBe("unsubscribed");

        // Suppression wins over the consent just granted again.
        var (next, version) = await app.EmailCampaign(await app.StaticAudience([customer.Id]));
        await app.Ok($"/api/marketing/campaigns/{next}/schedule", new { version });
        await app.WaitForStatus(next, "completed");
        (await app.RecipientEvents(next, customer.Id)).Last().Data.GetProperty("reason").GetString().ShouldBe(SkipReasons.Suppressed);

        // Asking for mail again on the page lifts what the page put on the list.
        await app.Public(HttpMethod.Post, url, "purpose=newsletter");
        (await app.Read($"/api/marketing/suppressions?email={Uri.EscapeDataString(customer.Email)}")).GetProperty("suppressed").GetBoolean().ShouldBeFalse();
    }
}
