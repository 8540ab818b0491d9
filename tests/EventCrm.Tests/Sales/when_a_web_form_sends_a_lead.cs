using System.Text.Json;
using Alba;
using EventCrm.Infrastructure.Security;
using EventCrm.Sales;
using Marten;

namespace EventCrm.Tests.Sales;

[Collection(AppCollection.Name)]
public class when_a_web_form_sends_a_lead(AppFixture app)
{
    private async Task<string> NewForm(string name = "Contact page")
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("root", Roles.Admin));
            s.Post.Json(new { name }).ToUrl("/api/admin/forms");
            s.StatusCodeShouldBe(201);
        });
        return (await result.Body()).GetProperty("key").GetString()!;
    }

    private Task<IScenarioResult> Send(string key, object body, string userAgent = "Mozilla/5.0 (test)") => app.Host.Scenario(s =>
    {
        s.WithRequestHeader("User-Agent", userAgent);
        s.Post.Json(body).ToUrl($"/api/forms/{key}/leads");
        s.IgnoreStatusCode();
    });

    private async Task<List<LeadView>> LeadsWith(string email)
    {
        await using var session = app.Store.QuerySession();
        return [.. await session.Query<LeadView>().Where(l => l.Email == email).ToListAsync()];
    }

    [Fact]
    public async Task anyone_may_send_one_and_the_lead_records_the_form_and_user_agent()
    {
        var key = await NewForm("Spring campaign page");
        var email = AppFixture.NewEmail("visitor");

        var result = await Send(key, new { name = "Vera Visitor", email, message = "Call me\nplease" });

        result.Context.Response.StatusCode.ShouldBe(202);
        var lead = (await LeadsWith(email)).ShouldHaveSingleItem();
        lead.Source.ShouldBe("form:Spring campaign page");
        lead.FormKey.ShouldBe(key);
        lead.UserAgent.ShouldBe("Mozilla/5.0 (test)");
        lead.Message.ShouldBe("Call me\nplease");
        await using var session = app.Store.QuerySession();
        (await session.Events.FetchStreamAsync(lead.Id)).Single().UserName.ShouldBe("anonymous");
    }

    [Fact]
    public async Task a_filled_honeypot_is_answered_like_success_and_stores_nothing()
    {
        var key = await NewForm();
        var email = AppFixture.NewEmail("bot");

        var result = await Send(key, new { name = "Bot", email, website = "http://spam.example" });

        result.Context.Response.StatusCode.ShouldBe(202);
        (await LeadsWith(email)).ShouldBeEmpty();
    }

    [Fact]
    public async Task an_unknown_or_deactivated_form_is_a_404()
    {
        await (await Send("no-such-form", new { name = "X", email = AppFixture.NewEmail() })).ShouldBeProblem(404);

        var key = await NewForm();
        await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("root", Roles.Admin));
            s.Post.Json(new { }).ToUrl($"/api/admin/forms/{key}/deactivate");
            s.StatusCodeShouldBe(204);
        });
        await (await Send(key, new { name = "X", email = AppFixture.NewEmail() })).ShouldBeProblem(404);
    }

    [Fact]
    public async Task bad_fields_are_a_400_and_a_big_body_a_413()
    {
        var key = await NewForm();
        (await (await Send(key, new { name = "", email = "x" })).ShouldBeProblem(400)).GetProperty("errors")
            .TryGetProperty("email", out _).ShouldBeTrue();

        var big = new { name = "Big", email = AppFixture.NewEmail(), message = new string('m', 20_000) };
        await (await Send(key, big)).ShouldBeProblem(413);
    }

    [Fact]
    public async Task too_many_leads_from_one_address_are_a_429()
    {
        var key = await NewForm();
        var statuses = new List<int>();
        for (var i = 0; i < 12; i++)
            statuses.Add((await Send(key, new { name = $"Flood {i}", email = AppFixture.NewEmail() })).Context.Response.StatusCode);

        statuses.Take(10).ShouldAllBe(s => s == 202);
        statuses.Skip(10).ShouldAllBe(s => s == 429);
        var refused = await Send(key, new { name = "Again", email = AppFixture.NewEmail() });
        await refused.ShouldBeProblem(429, "urn:eventcrm:problem:too-many-requests");
        // The window started with the first lead: it ends within the minute.
        int.Parse(refused.Header("Retry-After")!).ShouldBeInRange(1, 60);

        // Another form has its own allowance.
        (await Send(await NewForm(), new { name = "Other", email = AppFixture.NewEmail() })).Context.Response.StatusCode.ShouldBe(202);
    }

    [Fact]
    public async Task only_admins_manage_forms()
    {
        var forbidden = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Post.Json(new { name = "Mine" }).ToUrl("/api/admin/forms");
            s.IgnoreStatusCode();
        });
        await forbidden.ShouldBeProblem(403);

        var key = await NewForm("Listed form");
        var forms = await app.Get("/api/admin/forms", Roles.Admin);
        forms.EnumerateArray().ShouldContain(f => f.GetProperty("id").GetString() == key && f.GetProperty("active").GetBoolean());
    }
}
