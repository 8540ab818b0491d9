using EventCrm.Infrastructure.Security;
using EventCrm.Sales;
using Marten;

namespace EventCrm.Tests.Sales;

[Collection(AppCollection.Name)]
public class when_leads_are_captured_and_worked(AppFixture app)
{
    [Fact]
    public async Task a_captured_lead_reads_back_normalised_with_its_source()
    {
        var email = AppFixture.NewEmail("Lead");
        var id = await app.CaptureLead(email.ToUpperInvariant());

        var lead = await app.Get($"/api/leads/{id}");
        lead.GetProperty("status").GetString().ShouldBe("new");
        lead.GetProperty("email").GetString().ShouldBe(email.ToLowerInvariant());
        lead.GetProperty("source").GetString().ShouldBe("trade fair");
        lead.GetProperty("company").GetString().ShouldBe("Acme");
    }

    [Fact]
    public async Task bad_fields_are_a_400()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Post.Json(new { name = "", email = "nope", phone = "123" }).ToUrl("/api/leads");
            s.IgnoreStatusCode();
        });
        var errors = (await result.ShouldBeProblem(400)).GetProperty("errors");
        errors.TryGetProperty("name", out _).ShouldBeTrue();
        errors.TryGetProperty("email", out _).ShouldBeTrue();
        errors.TryGetProperty("phone", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task a_lead_is_qualified_once_and_a_disqualified_one_stays_out()
    {
        var id = await app.CaptureLead();

        await app.Succeed("leads", id, "qualify", new { version = 1 });
        await (await app.Post("leads", id, "qualify", new { version = 2 })).ShouldBeProblem(422);
        await (await app.Post("leads", id, "disqualify", new { version = 1, reason = "budget" })).ShouldBeProblem(409);
        await (await app.Post("leads", id, "disqualify", new { version = 2 })).ShouldBeProblem(400);

        await app.Succeed("leads", id, "disqualify", new { version = 2, reason = "no budget" });
        var lead = await app.Get($"/api/leads/{id}");
        lead.GetProperty("status").GetString().ShouldBe("disqualified");
        lead.GetProperty("disqualificationReason").GetString().ShouldBe("no budget");
        await (await app.Post("leads", id, "convert", new
        {
            version = 3, opportunity = new { title = "T", amount = 1, currency = "EUR", expectedCloseDate = SalesApi.CloseDate() },
        })).ShouldBeProblem(422);
    }

    [Fact]
    public async Task support_and_analysts_read_leads_but_do_not_write_them()
    {
        var id = await app.CaptureLead();
        await app.Get($"/api/leads/{id}", Roles.Analyst);
        await (await app.Post("leads", id, "qualify", new { version = 1 }, "sue", Roles.Support)).ShouldBeProblem(403);
    }

    [Fact]
    public async Task the_lead_list_filters_by_status_and_source()
    {
        var source = "src-" + Guid.NewGuid().ToString("N")[..8];
        for (var i = 0; i < 3; i++)
        {
            await app.Host.Scenario(s =>
            {
                s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
                s.Post.Json(new { name = $"Listed {i}", email = AppFixture.NewEmail(), source }).ToUrl("/api/leads");
                s.StatusCodeShouldBe(201);
            });
        }

        var page = await app.Get($"/api/leads?source={source}&status=new&pageSize=2");
        page.GetProperty("total").GetInt64().ShouldBe(3);
        page.GetProperty("items").GetArrayLength().ShouldBe(2);
        (await app.Get($"/api/leads?source={source}&status=qualified")).GetProperty("total").GetInt64().ShouldBe(0);
    }

    [Fact]
    public async Task history_and_as_of_work_for_leads()
    {
        var id = await app.CaptureLead();
        await app.Succeed("leads", id, "qualify", new { version = 1 });

        var history = await app.Get($"/api/leads/{id}/history", Roles.Auditor);
        history.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("type").GetString())
            .ShouldBe(["lead_captured", "lead_qualified"]);
        (await app.Get($"/api/leads/{id}/as-of?version=1", Roles.Auditor)).GetProperty("status").GetString().ShouldBe("new");

        await using var session = app.Store.QuerySession();
        (await session.Events.FetchStreamStateAsync(id))!.AggregateType.ShouldBe(typeof(Lead));
    }
}
