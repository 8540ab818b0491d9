using EventCrm.Customers;
using Marten;

namespace EventCrm.Tests.Customers;

[Collection(AppCollection.Name)]
public class when_contact_details_change(AppFixture app)
{
    [Fact]
    public async Task the_current_version_changes_them_and_answers_the_new_version()
    {
        var id = await app.Register(AppFixture.NewEmail(), phone: "+4930123456");
        var newEmail = AppFixture.NewEmail("moved");

        var result = await app.ChangeContact(id, new { version = 1, email = newEmail, phone = (string?)null });

        result.Context.Response.StatusCode.ShouldBe(200);
        (await result.Body()).GetProperty("version").GetInt32().ShouldBe(2);
        var profile = await app.Profile(id);
        profile.GetProperty("version").GetInt32().ShouldBe(2);
        profile.GetProperty("email").GetString().ShouldBe(newEmail);
        profile.GetProperty("phone").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
    }

    [Fact]
    public async Task a_stale_version_is_a_409_with_the_current_version_and_appends_nothing()
    {
        var id = await app.Register(AppFixture.NewEmail());
        (await app.ChangeContact(id, new { version = 1, email = AppFixture.NewEmail() })).Context.Response.StatusCode.ShouldBe(200);

        var stale = await app.ChangeContact(id, new { version = 1, email = AppFixture.NewEmail("late") });

        var problem = await stale.ShouldBeProblem(409, "urn:eventcrm:problem:stale-version");
        problem.GetProperty("currentVersion").GetInt32().ShouldBe(2);
        (await app.History(id)).GetArrayLength().ShouldBe(2);
    }

    [Fact]
    public async Task concurrent_changes_from_the_same_version_let_exactly_one_through()
    {
        var id = await app.Register(AppFixture.NewEmail());

        var attempts = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            app.ChangeContact(id, new { version = 1, email = AppFixture.NewEmail($"racer{i}") })));

        var statuses = attempts.Select(a => a.Context.Response.StatusCode).ToList();
        statuses.Count(s => s == 200).ShouldBe(1);
        statuses.Count(s => s == 409).ShouldBe(5);
        (await app.History(id)).GetArrayLength().ShouldBe(2);
    }

    [Fact]
    public async Task sending_what_is_already_stored_records_nothing()
    {
        var email = AppFixture.NewEmail();
        var id = await app.Register(email, phone: "+4930123456");

        var result = await app.ChangeContact(id, new { version = 1, email = email.ToUpperInvariant(), phone = "+49 30 123456" });

        result.Context.Response.StatusCode.ShouldBe(200);
        (await result.Body()).GetProperty("version").GetInt32().ShouldBe(1);
        (await app.History(id)).GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task an_unknown_customer_is_a_404()
    {
        var result = await app.ChangeContact(Guid.NewGuid(), new { version = 1, email = AppFixture.NewEmail() });
        await result.ShouldBeProblem(404);
    }

    [Fact]
    public async Task a_missing_version_is_a_400_and_changes_nothing()
    {
        var email = AppFixture.NewEmail();
        var id = await app.Register(email);

        var result = await app.ChangeContact(id, new { email = AppFixture.NewEmail() });

        var problem = await result.ShouldBeProblem(400);
        problem.GetProperty("errors").GetProperty("version")[0].GetString().ShouldNotBeNull().ShouldContain("required");
        (await app.Profile(id)).GetProperty("email").GetString().ShouldBe(email);
    }

    [Fact]
    public async Task an_email_of_another_customer_is_a_422()
    {
        var taken = AppFixture.NewEmail("taken");
        var owner = await app.Register(taken);
        var mine = AppFixture.NewEmail();
        var id = await app.Register(mine);

        var result = await app.ChangeContact(id, new { version = 1, email = taken });

        (await result.ShouldBeProblem(422)).GetProperty("existingCustomerId").GetGuid().ShouldBe(owner);
        await using var session = app.Store.QuerySession();
        (await session.Events.FetchStreamAsync(id)).Count.ShouldBe(1);
        // The refused claim gave up nothing: each customer still holds exactly its own address.
        (await session.AdvancedSql.QueryAsync<string>($"select email from {EmailOwnership.Table} where customer_id = ?", CancellationToken.None, id))
            .ShouldBe([mine]);
        (await EmailOwnership.OwnerOf(session, taken, CancellationToken.None)).ShouldBe(owner);
    }

    [Fact]
    public async Task the_change_event_carries_the_new_details_and_the_user()
    {
        var id = await app.Register(AppFixture.NewEmail());
        var newEmail = AppFixture.NewEmail();

        await app.ChangeContact(id, new { version = 1, email = newEmail, phone = "+49 30 123456" },
            token: app.TokenFor("stella", "sales"));

        await using var session = app.Store.QuerySession();
        var changed = (await session.Events.FetchStreamAsync(id)).Last();
        changed.Version.ShouldBe(2);
        changed.UserName.ShouldBe("stella");
        var data = changed.Data.ShouldBeOfType<ContactDetailsChanged>();
        data.Email.ShouldBe(newEmail);
        data.Phone.ShouldBe("+4930123456");
    }
}
