using System.Text.Json;

namespace EventCrm.Tests.Marketing;

/// <summary>A preview renders what one customer would get, or sample values; nothing is sent or recorded.</summary>
[Collection(AppCollection.Name)]
public class when_a_campaign_email_is_previewed(AppFixture app)
{
    [Fact]
    public async Task a_named_customer_sees_their_own_message_and_no_one_named_sees_the_sample()
    {
        var ann = await app.Customer("Ann Lee");
        var (campaign, _) = await app.EmailCampaign(await app.StaticAudience([ann.Id]));
        var before = (await app.Campaign(campaign)).GetProperty("version").GetInt32();

        var own = await app.Ok($"/api/marketing/campaigns/{campaign}/preview", new { customerId = ann.Id });
        own.GetProperty("subject").GetString().ShouldBe("News for Ann");
        own.GetProperty("to").GetString().ShouldBe($"\"Ann Lee\" <{ann.Email}>");
        own.GetProperty("html").GetString()!.ShouldContain("Hello Ann Lee,");

        var sample = await app.Ok($"/api/marketing/campaigns/{campaign}/preview", new { });
        sample.GetProperty("subject").GetString().ShouldBe("[Test] News for Ada"); // sample values are marked as a test
        sample.GetProperty("to").GetString().ShouldBe("ada@example.com");
        AppFixture.Mail.To(ann.Email).ShouldBeEmpty();
        (await app.Campaign(campaign)).GetProperty("version").GetInt32().ShouldBe(before);
    }

    [Fact]
    public async Task a_customer_without_an_e_mail_address_is_refused_with_the_reason()
    {
        // An erased customer keeps the record, not the address.
        var (noah, _) = await app.Customer("Noah Gone", consent: false);
        await app.ScenarioAndWait(s =>
        {
            s.WithBearerToken(app.TokenFor("dpo", EventCrm.Infrastructure.Security.Roles.Admin));
            s.Post.Json(new { version = 1, reason = "Art. 17 request" }).ToUrl($"/api/customers/{noah}/erasure");
            s.StatusCodeShouldBe(200);
        });
        var ann = await app.Customer("Ann Other");
        var (campaign, _) = await app.EmailCampaign(await app.StaticAudience([ann.Id]));

        var refused = await app.Send(HttpMethod.Post, $"/api/marketing/campaigns/{campaign}/preview", new { customerId = noah });
        var problem = await refused.ShouldBeProblem(422, "urn:eventcrm:problem:rule-violation");
        problem.GetProperty("title").GetString().ShouldBe("The customer has no e-mail address.");
        problem.GetProperty("detail").GetString()!.ShouldContain(noah.ToString());

        var nobody = Guid.NewGuid();
        var unknown = await (await app.Send(HttpMethod.Post, $"/api/marketing/campaigns/{campaign}/preview", new { customerId = nobody })).ShouldBeProblem(404);
        unknown.GetProperty("detail").GetString().ShouldBe($"No customer has id {nobody}.");
    }
}
