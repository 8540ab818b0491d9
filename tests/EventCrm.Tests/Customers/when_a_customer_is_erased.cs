using System.Text.Json;
using Alba;
using EventCrm.Customers;
using EventCrm.Infrastructure.Security;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventCrm.Tests.Customers;

[Collection(AppCollection.Name)]
public class when_a_customer_is_erased(AppFixture app)
{
    private const string Name = "Erin Erasable";
    private const string Phone = "+4915112345678";

    private async Task<(Guid Id, string Email)> CustomerWithPersonalData()
    {
        var email = AppFixture.NewEmail("erin");
        var id = await app.RegisterWith(new
        {
            name = Name, email, phone = Phone, birthDate = "1985-02-03", annualIncome = 61000, country = "DE",
            region = "Saxony", industry = "Healthcare", tags = new[] { "erin-personal" },
        });
        await app.Succeed(id, "contact-details", new { version = 1, email = "second." + email, phone = Phone });
        await app.Succeed(id, "purchases", new { version = 2, amount = 25m, currency = "EUR", product = "Book", category = "Media" });
        await app.Succeed(id, "consents", new { version = 3, channel = "email", purpose = "newsletter", granted = true });
        return (id, email);
    }

    private Task<IScenarioResult> Erase(Guid id, int version) => app.ScenarioAndWait(s =>
    {
        s.WithBearerToken(app.TokenFor("dpo", Roles.Admin));
        s.Post.Json(new { version, reason = "Art. 17 request #2026-118" }).ToUrl($"/api/customers/{id}/erasure");
        s.IgnoreStatusCode();
    });

    /// <summary>The stream's events as stored: raw JSON, headers and all.</summary>
    private async Task<string> StoredEvents(Guid id)
    {
        var database = app.Host.Services.GetRequiredService<NpgsqlDataSource>();
        await using var command = database.CreateCommand(
            $"select string_agg(data::text || ' ' || coalesce(headers::text, ''), E'\\n' order by version) from {app.Names.Events} where stream_id = $1");
        command.Parameters.AddWithValue(id);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task personal_data_disappears_from_the_stored_events_and_the_figures_remain()
    {
        var (id, email) = await CustomerWithPersonalData();

        (await Erase(id, 4)).Context.Response.StatusCode.ShouldBe(200);

        var stored = await StoredEvents(id);
        stored.ShouldNotContain(Name);
        stored.ShouldNotContain(email);
        stored.ShouldNotContain(Phone);
        stored.ShouldNotContain("1985-02-03");
        stored.ShouldNotContain("61000");
        stored.ShouldNotContain("Saxony");
        stored.ShouldNotContain("erin-personal");
        stored.ShouldContain("\"amount\": 25");
        stored.ShouldContain("\"country\": \"DE\"");
        stored.ShouldContain("newsletter");
        stored.ShouldContain("\"masked\"");
    }

    [Fact]
    public async Task the_erasure_is_recorded_with_who_and_why()
    {
        var (id, _) = await CustomerWithPersonalData();
        await Erase(id, 4);

        await using var session = app.Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(id);
        events.Select(e => e.EventTypeName).ShouldBe(
            ["customer_registered", "contact_details_changed", "purchase_recorded", "consent_granted", "customer_erased"]);
        var erased = events.Last();
        erased.UserName.ShouldBe("dpo");
        erased.Data.ShouldBeOfType<CustomerErased>().Reason.ShouldBe("Art. 17 request #2026-118");
    }

    [Fact]
    public async Task the_profile_keeps_no_personal_data_and_a_rebuild_gives_the_same_profile()
    {
        var (id, _) = await CustomerWithPersonalData();
        await Erase(id, 4);

        var live = await app.Profile(id);
        live.GetProperty("status").GetString().ShouldBe("erased");
        foreach (var field in new[] { "name", "email", "phone", "birthDate", "birthYear", "annualIncome", "region" })
            live.GetProperty(field).ValueKind.ShouldBe(JsonValueKind.Null, field);
        live.GetProperty("tags").GetArrayLength().ShouldBe(0);
        live.GetProperty("totalSpent").GetDecimal().ShouldBe(25m);
        live.GetProperty("country").GetString().ShouldBe("DE");
        live.GetProperty("industry").GetString().ShouldBe("Healthcare");

        var database = app.Host.Services.GetRequiredService<NpgsqlDataSource>();
        async Task<string> Stored()
        {
            await using var command = database.CreateCommand($"select data::text from {app.Names.Table<CustomerProfile>()} where id = $1");
            command.Parameters.AddWithValue(id);
            return (string)(await command.ExecuteScalarAsync())!;
        }
        var before = await Stored();
        using (var daemon = await app.Store.BuildProjectionDaemonAsync())
            await daemon.RebuildProjectionAsync<CustomerProfileProjection>(CancellationToken.None);
        (await Stored()).ShouldBe(before);
    }

    [Fact]
    public async Task an_erased_customer_takes_no_further_commands_and_its_address_is_free_again()
    {
        var (id, email) = await CustomerWithPersonalData();
        await Erase(id, 4);

        await (await app.Command(id, "tags", new { version = 5, add = new[] { "x" } })).ShouldBeProblem(422);
        await (await Erase(id, 5)).ShouldBeProblem(422);
        (await app.Register(email)).ShouldNotBe(id);
    }

    [Fact]
    public async Task duplicates_merged_into_the_customer_are_erased_too()
    {
        var (id, _) = await CustomerWithPersonalData();
        var duplicateEmail = AppFixture.NewEmail("erin.dup");
        var duplicate = await app.RegisterWith(new { name = "Erin E.", email = duplicateEmail, phone = Phone });
        await app.Succeed(id, "merge", new { version = 4, duplicateId = duplicate });

        await Erase(id, 5);

        var stored = await StoredEvents(duplicate);
        stored.ShouldNotContain("Erin E.");
        stored.ShouldNotContain(duplicateEmail);
        stored.ShouldNotContain(Phone);
        (await app.Profile(duplicate)).GetProperty("status").GetString().ShouldBe("erased");
        await using var session = app.Store.QuerySession();
        var erased = (await session.Events.FetchStreamAsync(duplicate)).Last();
        erased.Data.ShouldBeOfType<CustomerErased>();
        erased.UserName.ShouldBe("dpo");
        erased.Headers!["source"].ToString().ShouldStartWith("message:");
    }

    [Fact]
    public async Task a_reason_is_required()
    {
        var (id, _) = await CustomerWithPersonalData();
        var result = await app.Command(id, "erasure", new { version = 4 });
        (await result.ShouldBeProblem(400)).GetProperty("errors").TryGetProperty("reason", out _).ShouldBeTrue();
    }
}
