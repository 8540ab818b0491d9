using System.Text.Json;
using EventCrm.Infrastructure.Security;
using EventCrm.Sales;
using EventCrm.Tests.Audit;
using EventCrm.Tests.Customers;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventCrm.Tests.Sales;

[Collection(AppCollection.Name)]
public class when_a_lead_is_erased(AppFixture app)
{
    private const string Name = "Lotte Leadington";
    private const string Phone = "+4915198765432";

    private async Task<(Guid Id, string Email)> LeadWithPersonalData()
    {
        var email = AppFixture.NewEmail("lotte");
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Post.Json(new { name = Name, email, phone = Phone, company = "Leadington GmbH", source = "Trade fair", message = "Call me at home" })
                .ToUrl("/api/leads");
            s.StatusCodeShouldBe(201);
        });
        return ((await result.Body()).GetProperty("id").GetGuid(), email);
    }

    private async Task<string> StoredEvents(Guid stream)
    {
        var database = app.Host.Services.GetRequiredService<NpgsqlDataSource>();
        await using var command = database.CreateCommand(
            $"select string_agg(data::text || ' ' || coalesce(headers::text, ''), E'\\n' order by version) from {app.Names.Events} where stream_id = $1");
        command.Parameters.AddWithValue(stream);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private Task<Alba.IScenarioResult> Erase(Guid lead, int version) => app.ScenarioAndWait(s =>
    {
        s.WithBearerToken(app.TokenFor("dpo", Roles.Sales));
        s.Post.Json(new { version, reason = "Art. 17 request #2026-201" }).ToUrl($"/api/leads/{lead}/erasure");
        s.IgnoreStatusCode();
    });

    [Fact]
    public async Task its_personal_data_disappears_from_the_lead_and_its_events_and_the_erasure_is_recorded()
    {
        var (lead, email) = await LeadWithPersonalData();
        await app.Succeed("leads", lead, "qualify", new { version = 1 });

        (await Erase(lead, 2)).Context.Response.StatusCode.ShouldBe(200);

        var stored = await StoredEvents(lead);
        foreach (var personal in new[] { Name, email, Phone, "Leadington GmbH", "Call me at home" }) stored.ShouldNotContain(personal);
        stored.ShouldContain("Trade fair");
        stored.ShouldContain("\"masked\"");

        var view = await app.Get($"/api/leads/{lead}");
        view.GetProperty("status").GetString().ShouldBe("erased");
        view.GetProperty("email").GetString().ShouldBe("");
        view.GetProperty("phone").ValueKind.ShouldBe(JsonValueKind.Null);
        view.GetProperty("company").ValueKind.ShouldBe(JsonValueKind.Null);

        await using var session = app.Store.QuerySession();
        var erased = (await session.Events.FetchStreamAsync(lead)).Last();
        erased.Data.ShouldBeOfType<LeadErased>().Reason.ShouldBe("Art. 17 request #2026-201");
        erased.UserName.ShouldBe("dpo");
    }

    [Fact]
    public async Task a_confirmed_consent_keeps_its_purpose_and_time_but_not_who_gave_it_or_from_where()
    {
        var form = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("ada", Roles.Admin));
            s.Post.Json(new { name = "Erasable news " + Guid.NewGuid().ToString("N")[..6] }).ToUrl("/api/admin/forms");
            s.StatusCodeShouldBe(201);
        });
        var key = (await form.Body()).GetProperty("key").GetString();
        var email = AppFixture.NewEmail("optout");
        await app.Host.Scenario(s =>
        {
            s.Post.Json(new { name = Name, email, subscribe = true, consentTextVersion = "news-2026-12" }).ToUrl($"/api/forms/{key}/leads");
            s.WithRequestHeader("User-Agent", "ErasableBrowser/2.0");
            s.StatusCodeShouldBe(202);
        });
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (AppFixture.Mail.To(email).Count == 0 && DateTime.UtcNow < deadline) await Task.Delay(100);
        var token = EventCrm.Tests.Marketing.MarketingApi.Link(AppFixture.Mail.To(email).Single(), "confirm");
        await app.Host.Scenario(s =>
        {
            s.Post.Url($"/mail/confirm/{token}");
            s.WithRequestHeader("User-Agent", "ErasableBrowser/2.0");
            s.StatusCodeShouldBe(200);
        });
        await using (var query = app.Store.QuerySession())
        {
            var lead = await query.Query<LeadView>().SingleAsync(l => l.Email == email);
            (await Erase(lead.Id, lead.Version)).Context.Response.StatusCode.ShouldBe(200);

            var stored = await StoredEvents(lead.Id);
            stored.ShouldNotContain(email);
            stored.ShouldNotContain("ErasableBrowser");
            var confirmed = (await query.Events.FetchStreamAsync(lead.Id)).Select(e => e.Data).OfType<LeadConsentConfirmed>().Single();
            confirmed.Purpose.ShouldBe("newsletter");
            confirmed.ConsentTextVersion.ShouldBe("news-2026-12");
            (confirmed.Email, confirmed.IpAddress, confirmed.UserAgent).ShouldBe(("", null, null));
        }
    }

    [Fact]
    public async Task an_erased_lead_takes_no_further_commands_and_a_rebuild_gives_the_same_view()
    {
        var (lead, _) = await LeadWithPersonalData();
        await Erase(lead, 1);

        await (await app.Post("leads", lead, "qualify", new { version = 2 })).ShouldBeProblem(422);
        await (await Erase(lead, 2)).ShouldBeProblem(422);

        var database = app.Host.Services.GetRequiredService<NpgsqlDataSource>();
        async Task<string> Stored()
        {
            await using var command = database.CreateCommand($"select data::text from {app.Names.Table<LeadView>()} where id = $1");
            command.Parameters.AddWithValue(lead);
            return (string)(await command.ExecuteScalarAsync())!;
        }
        var before = await Stored();
        using (var daemon = await app.Store.BuildProjectionDaemonAsync())
            await daemon.RebuildProjectionAsync<LeadViewProjection>(CancellationToken.None);
        (await Stored()).ShouldBe(before);
    }

    [Fact]
    public async Task erasing_a_customer_erases_the_leads_converted_into_it()
    {
        var (lead, email) = await LeadWithPersonalData();
        var converted = await (await app.Post("leads", lead, "convert", new
        {
            version = 1,
            opportunity = new { title = "Pilot", amount = 900m, currency = "EUR", expectedCloseDate = SalesApi.CloseDate() },
        })).Body();
        var customer = converted.GetProperty("customerId").GetGuid();
        var other = (await LeadWithPersonalData()).Id;

        await app.ScenarioAndWait(s =>
        {
            s.WithBearerToken(app.TokenFor("dpo", Roles.Admin));
            s.Post.Json(new { version = 1, reason = "Art. 17 request #2026-202" }).ToUrl($"/api/customers/{customer}/erasure");
        });

        var stored = await StoredEvents(lead);
        stored.ShouldNotContain(Name);
        stored.ShouldNotContain(email);
        (await app.Get($"/api/leads/{lead}")).GetProperty("status").GetString().ShouldBe("erased");
        await using var session = app.Store.QuerySession();
        var erased = (await session.Events.FetchStreamAsync(lead)).Last();
        erased.Data.ShouldBeOfType<LeadErased>().Reason.ShouldBe("Art. 17 request #2026-202");
        erased.UserName.ShouldBe("dpo");
        // A lead that did not become this customer keeps its data.
        (await app.Get($"/api/leads/{other}")).GetProperty("name").GetString().ShouldBe(Name);
    }

    [Fact]
    public async Task a_reason_is_required()
    {
        var (lead, _) = await LeadWithPersonalData();
        var problem = await (await app.Post("leads", lead, "erasure", new { version = 1 })).ShouldBeProblem(400);
        problem.GetProperty("errors").TryGetProperty("reason", out _).ShouldBeTrue();
    }
}
