using Alba;
using EventCrm.Customers;
using EventCrm.Infrastructure.Security;
using Marten;

namespace EventCrm.Tests.Customers;

[Collection(AppCollection.Name)]
public class when_a_customer_is_registered_with_everything_known(AppFixture app)
{
    [Fact]
    public async Task the_profile_holds_demographics_source_and_tags_in_their_stored_form()
    {
        var id = await app.RegisterWith(new
        {
            name = "Grace Hopper", email = AppFixture.NewEmail(), birthDate = "1980-05-17", annualIncome = 85000.50m,
            country = "germany", region = " Bavaria ", industry = "Software", acquisitionSource = "Referral",
            tags = new[] { "VIP", " early adopter ", "vip" },
        });

        var profile = await app.Profile(id);

        profile.GetProperty("birthDate").GetString().ShouldBe("1980-05-17");
        profile.GetProperty("birthYear").GetInt32().ShouldBe(1980);
        profile.GetProperty("age").GetInt32().ShouldBeGreaterThanOrEqualTo(45);
        profile.GetProperty("annualIncome").GetDecimal().ShouldBe(85000.50m);
        profile.GetProperty("country").GetString().ShouldBe("DE");
        profile.GetProperty("region").GetString().ShouldBe("Bavaria");
        profile.GetProperty("industry").GetString().ShouldBe("Software");
        profile.GetProperty("acquisitionSource").GetString().ShouldBe("referral");
        profile.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ShouldBe(["early adopter", "vip"]);
        profile.GetProperty("status").GetString().ShouldBe("active");
        profile.GetProperty("purchaseCount").GetInt32().ShouldBe(0);
        profile.GetProperty("currency").GetString().ShouldBe("EUR");
        profile.TryGetProperty("searchName", out _).ShouldBeFalse();
    }

    [Fact]
    public async Task an_age_is_kept_as_stated_and_gives_a_birth_year()
    {
        var id = await app.RegisterWith(new { name = "Aged", email = AppFixture.NewEmail(), age = 40, country = "FRA" });

        var profile = await app.Profile(id);
        profile.GetProperty("birthYear").GetInt32().ShouldBe(DateTime.UtcNow.Year - 40);
        profile.GetProperty("age").GetInt32().ShouldBe(40);
        profile.GetProperty("birthDate").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
        profile.GetProperty("country").GetString().ShouldBe("FR");

        await using var session = app.Store.QuerySession();
        var registered = (CustomerRegistered)(await session.Events.FetchStreamAsync(id)).Single().Data;
        registered.Demographics.ShouldBe(new Demographics(null, 40, null, "FR", null, null));
    }

    [Theory]
    [InlineData("age", 131)]
    [InlineData("age", -1)]
    [InlineData("annualIncome", -5)]
    [InlineData("country", "Atlantis")]
    [InlineData("birthDate", "2999-01-01")]
    [InlineData("tags", "no<html>")]
    public async Task an_impossible_value_is_a_400_naming_its_field(string field, object value)
    {
        var body = new Dictionary<string, object> { ["name"] = "Bad", ["email"] = AppFixture.NewEmail() };
        body[field] = field == "tags" ? new[] { value } : value;

        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Post.Json(body).ToUrl("/api/customers");
            s.IgnoreStatusCode();
        });

        (await result.ShouldBeProblem(400)).GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue();
    }

    [Fact]
    public async Task a_birth_date_and_an_age_together_are_refused()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Post.Json(new { name = "Both", email = AppFixture.NewEmail(), birthDate = "1990-01-01", age = 20 }).ToUrl("/api/customers");
            s.IgnoreStatusCode();
        });
        (await result.ShouldBeProblem(400)).GetProperty("errors").GetProperty("age")[0].GetString()
            .ShouldBe("Give 'birthDate' or 'age', not both.");
    }

    [Fact]
    public async Task support_reads_customers_but_cannot_change_them()
    {
        var id = await app.Register(AppFixture.NewEmail());
        await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sue", Roles.Support));
            s.Get.Url($"/api/customers/{id}");
        });
        await (await app.Command(id, "tags", new { version = 1, add = new[] { "x" } }, app.TokenFor("sue", Roles.Support)))
            .ShouldBeProblem(403);
    }
}
