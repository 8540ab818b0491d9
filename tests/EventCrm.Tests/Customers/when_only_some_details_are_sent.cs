namespace EventCrm.Tests.Customers;

/// <summary>A member a change leaves out keeps its value; only an explicit null clears it.</summary>
[Collection(AppCollection.Name)]
public class when_only_some_details_are_sent(AppFixture app)
{
    [Fact]
    public async Task a_new_email_alone_keeps_the_phone_and_an_explicit_null_removes_it()
    {
        var id = await app.Register(AppFixture.NewEmail("ada"), "Ada Lovelace", phone: "+44 20 7946 0958");

        var email = AppFixture.NewEmail("ada.new");
        var version = await app.Succeed(id, "contact-details", new { version = 1, email });
        var profile = await app.Profile(id);
        profile.GetProperty("email").GetString().ShouldBe(email);
        profile.GetProperty("phone").GetString().ShouldBe("+442079460958");

        version = await app.Succeed(id, "contact-details", new { version, phone = "+49 30 123456" });
        (await app.Profile(id)).GetProperty("email").GetString().ShouldBe(email);

        await app.Succeed(id, "contact-details", new { version, phone = (string?)null });
        profile = await app.Profile(id);
        profile.GetProperty("phone").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
        profile.GetProperty("email").GetString().ShouldBe(email);
    }

    [Fact]
    public async Task the_email_cannot_be_removed()
    {
        var id = await app.Register(AppFixture.NewEmail("keep"));

        var problem = await (await app.Command(id, "contact-details", new { version = 1, email = (string?)null })).ShouldBeProblem(400);

        problem.GetProperty("errors").GetProperty("email")[0].GetString()!.ShouldContain("cannot be removed");
        (await app.Profile(id)).GetProperty("version").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task a_demographics_change_touches_only_the_members_sent()
    {
        var id = await app.RegisterWith(new
        {
            name = "Grace Hopper", email = AppFixture.NewEmail("grace"), birthDate = "1906-12-09", annualIncome = 90000,
            country = "US", region = "New York", industry = "Navy",
        });

        var version = await app.Succeed(id, "demographics", new { version = 1, industry = "Computing" });
        var profile = await app.Profile(id);
        profile.GetProperty("industry").GetString().ShouldBe("Computing");
        profile.GetProperty("country").GetString().ShouldBe("US");
        profile.GetProperty("annualIncome").GetDecimal().ShouldBe(90000);
        profile.GetProperty("birthDate").GetString().ShouldBe("1906-12-09");

        // Age and birth date go together: stating the age replaces the birth date.
        version = await app.Succeed(id, "demographics", new { version, age = 40 });
        profile = await app.Profile(id);
        profile.GetProperty("birthDate").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
        profile.GetProperty("region").GetString().ShouldBe("New York");

        await app.Succeed(id, "demographics", new { version, region = (string?)null });
        (await app.Profile(id)).GetProperty("region").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
    }
}
