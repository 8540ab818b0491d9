using System.Text.Json;
using EventCrm.Marketing;
using EventCrm.Models;
using EventCrm.Tests.Customers;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventCrm.Tests.Marketing;

/// <summary>
/// A dynamic audience is kept from events: customers enter and leave as their profiles and scores change, each
/// decision recorded with the values it saw, and the membership (with its history) is the same after a rebuild.
/// </summary>
[Collection(AppCollection.Name)]
public class when_an_audience_follows_the_customers(AppFixture app)
{
    private static string Tag() => "aud-" + Guid.NewGuid().ToString("N")[..10];

    private async Task<Guid> Dynamic(object filter) =>
        (await app.Ok("/api/marketing/audiences", new { name = "Dynamic " + Guid.NewGuid().ToString("N")[..6], filter }, 201)).GetProperty("id").GetGuid();

    private async Task<JsonElement> Preview(Guid audience)
    {
        await app.CaughtUp();
        return await app.Read($"/api/marketing/audiences/{audience}/preview?sample=10");
    }

    [Fact]
    public async Task customers_enter_and_leave_as_their_profiles_change_and_the_history_says_when_and_why()
    {
        var tag = Tag();
        var ann = await app.Customer("Ann Early", tags: [tag], country: "DE");
        var bob = await app.Customer("Bob Later", tags: [tag], country: "FR");
        await app.Customer("Carl Other", country: "DE");
        var audience = await Dynamic(new { all = new object[] { new { field = "tags", op = "contains", value = tag }, new { field = "country", op = "eq", value = "Germany" } } });

        var preview = await Preview(audience);
        preview.GetProperty("count").GetInt64().ShouldBe(1);
        preview.GetProperty("sample")[0].GetProperty("name").GetString().ShouldBe("Ann Early");
        var onlyAnn = DateTimeOffset.UtcNow;

        await app.Succeed(bob.Id, "demographics", new { version = 2, country = "DE" });
        (await Preview(audience)).GetProperty("count").GetInt64().ShouldBe(2);
        await app.Succeed(ann.Id, "tags", new { version = 2, remove = new[] { tag } });
        var now = await Preview(audience);
        now.GetProperty("count").GetInt64().ShouldBe(1);
        now.GetProperty("sample")[0].GetProperty("customerId").GetGuid().ShouldBe(bob.Id);

        var then = await app.Read($"/api/marketing/audiences/{audience}/members?asOf={Uri.EscapeDataString(onlyAnn.ToString("O"))}", "auditor");
        then.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("customerId").GetGuid()).ShouldBe([ann.Id]);

        var history = await app.Read($"/api/marketing/audiences/{audience}/members/{ann.Id}/history", "auditor");
        var period = history.EnumerateArray().ShouldHaveSingleItem();
        period.GetProperty("enteredReason").GetString().ShouldBe("the audience was defined");
        period.GetProperty("enteredEvidence").GetProperty("country").GetString().ShouldBe("DE");
        period.GetProperty("enteredEvidence").GetProperty("tags").GetString().ShouldBe(tag);
        period.GetProperty("leftReason").GetString().ShouldBe("the customer changed");
        period.GetProperty("leftEvidence").GetProperty("tags").GetString().ShouldBe("");
    }

    [Fact]
    public async Task a_customer_who_is_deactivated_leaves_and_a_reactivated_one_comes_back()
    {
        var tag = Tag();
        var ann = await app.Customer("Ann Active", tags: [tag]);
        var audience = await Dynamic(new { field = "tags", op = "contains", value = tag });
        (await Preview(audience)).GetProperty("count").GetInt64().ShouldBe(1);

        await app.Succeed(ann.Id, "deactivate", new { version = 2, reason = "moved away" });
        (await Preview(audience)).GetProperty("count").GetInt64().ShouldBe(0);
        await app.Succeed(ann.Id, "reactivate", new { version = 3 });
        (await Preview(audience)).GetProperty("count").GetInt64().ShouldBe(1);

        var history = (await app.Read($"/api/marketing/audiences/{audience}/members/{ann.Id}/history")).EnumerateArray().ToList();
        history.Count.ShouldBe(2);
        history[0].GetProperty("leftEvidence").GetProperty("status").GetString().ShouldBe("inactive");
    }

    [Fact]
    public async Task a_decision_on_scores_records_the_score_and_its_model_version_and_new_scores_move_customers()
    {
        var tag = Tag();
        var risky = await app.Customer("Rita Risky", tags: [tag]);
        var safe = await app.Customer("Sam Safe", tags: [tag]);
        await using (var session = app.Store.LightweightSession())
        {
            session.Store(new CustomerScore { Id = risky.Id, ChurnRisk = 0.81, ChurnVersion = 9, ScoredAt = DateTimeOffset.UtcNow },
                new CustomerScore { Id = safe.Id, ChurnRisk = 0.12, ChurnVersion = 9, ScoredAt = DateTimeOffset.UtcNow });
            await session.SaveChangesAsync();
        }
        var audience = await Dynamic(new { all = new object[] { new { field = "tags", op = "contains", value = tag }, new { field = "churnRisk", op = "gte", value = 0.6 } } });
        (await Preview(audience)).GetProperty("sample").EnumerateArray().Select(m => m.GetProperty("customerId").GetGuid()).ShouldBe([risky.Id]);
        (await app.Read($"/api/marketing/audiences/{audience}/members/{risky.Id}/history"))[0]
            .GetProperty("enteredEvidence").GetProperty("churnRisk").GetString().ShouldBe("0.81 (churn v9)");

        // The scoring job rewrites the scores, then records that it did: the audience is looked at again.
        await using (var session = app.Store.LightweightSession())
        {
            session.Store(new CustomerScore { Id = safe.Id, ChurnRisk = 0.66, ChurnVersion = 10, ScoredAt = DateTimeOffset.UtcNow });
            session.Events.Append(Guid.NewGuid(), new ModelScoredCustomers(10, 1, DateTimeOffset.UtcNow));
            await session.SaveChangesAsync();
        }
        (await Preview(audience)).GetProperty("count").GetInt64().ShouldBe(2);
        var entered = (await app.Read($"/api/marketing/audiences/{audience}/members/{safe.Id}/history"))[0];
        entered.GetProperty("enteredReason").GetString().ShouldBe("scores were updated");
        entered.GetProperty("enteredEvidence").GetProperty("churnRisk").GetString().ShouldBe("0.66 (churn v10)");
    }

    [Fact]
    public async Task the_membership_and_its_history_are_identical_after_a_rebuild()
    {
        var tag = Tag();
        var ann = await app.Customer("Ann Rebuilt", tags: [tag]);
        await app.Customer("Bob Rebuilt", tags: [tag]);
        var audience = await Dynamic(new { field = "tags", op = "contains", value = tag });
        await Preview(audience);
        await app.Succeed(ann.Id, "tags", new { version = 2, remove = new[] { tag } });
        await app.StaticAudience([ann.Id]);
        await app.CaughtUp();
        var before = await Rows();
        before.ShouldContain(r => r.Contains(audience.ToString()));

        using var daemon = await app.Store.BuildProjectionDaemonAsync();
        await daemon.RebuildProjectionAsync(nameof(AudienceMembership), CancellationToken.None);

        (await Rows()).ShouldBe(before);
    }

    private async Task<List<string>> Rows()
    {
        var database = app.Host.Services.GetRequiredService<NpgsqlDataSource>();
        await using var command = database.CreateCommand($"select row_to_json(m)::text from {AudienceMembership.Members} m order by audience_id, customer_id, entered_at");
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add(reader.GetString(0));
        return rows;
    }
}

/// <summary>Static lists: edited by id or e-mail address, imported from a file, with the usual version and kind rules.</summary>
[Collection(AppCollection.Name)]
public class when_a_static_list_is_edited(AppFixture app)
{
    [Fact]
    public async Task customers_are_added_by_id_email_and_file_and_removed_and_what_names_nobody_is_listed()
    {
        var ann = await app.Customer("Ann Listed");
        var bob = await app.Customer("Bob Listed");
        var cleo = await app.Customer("Cleo Filed");
        var audience = (await app.Ok("/api/marketing/audiences", new { name = "VIP list" }, 201)).GetProperty("id").GetGuid();

        var nobody = Guid.NewGuid();
        var edited = await app.Ok($"/api/marketing/audiences/{audience}/members",
            new { version = 1, add = new[] { ann.Id, nobody }, addEmails = new[] { bob.Email.ToUpperInvariant(), "nobody@example.com" } });
        edited.GetProperty("entered").GetInt32().ShouldBe(2);
        edited.GetProperty("unmatchedEmails").EnumerateArray().Select(e => e.GetString()).ShouldBe(["nobody@example.com"]);
        edited.GetProperty("unknownCustomers").EnumerateArray().Select(e => e.GetGuid()).ShouldBe([nobody]);

        var import = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("mia", "marketing"));
            s.Post.Text($"Name;E-Mail\nCleo;{cleo.Email}\nAnn again;{ann.Email}\n").ContentType("text/csv").ToUrl($"/api/marketing/audiences/{audience}/members/import")
                .QueryString("version", "2");
        });
        (await import.Body()).GetProperty("entered").GetInt32().ShouldBe(1);

        var stale = await app.Send(HttpMethod.Post, $"/api/marketing/audiences/{audience}/members", new { version = 2, remove = new[] { ann.Id } });
        await stale.ShouldBeProblem(409);
        await app.Ok($"/api/marketing/audiences/{audience}/members", new { version = 3, remove = new[] { ann.Id } });

        var members = await app.Read($"/api/marketing/audiences/{audience}/members");
        members.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("customerId").GetGuid()).ShouldBe(new[] { bob.Id, cleo.Id }.Order());
        var history = (await app.Read($"/api/marketing/audiences/{audience}/members/{ann.Id}/history"))[0];
        history.GetProperty("enteredReason").GetString().ShouldBe("edited by mia");
        history.GetProperty("leftReason").GetString().ShouldBe("edited by mia");
    }

    [Fact]
    public async Task a_dynamic_audience_is_not_edited_by_hand_and_a_static_one_has_no_filter()
    {
        var dynamicAudience = (await app.Ok("/api/marketing/audiences",
            new { name = "Big spenders", filter = new { field = "totalSpent", op = "gte", value = 1000 } }, 201)).GetProperty("id").GetGuid();
        var edit = await app.Send(HttpMethod.Post, $"/api/marketing/audiences/{dynamicAudience}/members", new { version = 1, add = new[] { Guid.NewGuid() } });
        (await edit.ShouldBeProblem(422)).GetProperty("detail").GetString()!.ShouldContain("dynamic");

        var bad = await app.Send(HttpMethod.Post, "/api/marketing/audiences", new { name = "Odd", kind = "static", filter = new { field = "age", op = "gt", value = 30 } });
        (await bad.ShouldBeProblem(400)).GetProperty("errors").TryGetProperty("filter", out _).ShouldBeTrue();
        var unknownField = await app.Send(HttpMethod.Post, "/api/marketing/audiences", new { name = "Odd", filter = new { field = "shoeSize", op = "gt", value = 30 } });
        (await unknownField.ShouldBeProblem(400)).GetProperty("errors").GetProperty("filter.field")[0].GetString()!.ShouldContain("Fields:");
        var salesUser = await app.Send(HttpMethod.Post, "/api/marketing/audiences", new { name = "Mine" }, role: "sales");
        await salesUser.ShouldBeProblem(403);
    }
}
