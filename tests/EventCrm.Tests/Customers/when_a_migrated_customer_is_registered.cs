using Alba;
using EventCrm.Customers;
using EventCrm.Infrastructure.Security;
using Marten;

namespace EventCrm.Tests.Customers;

/// <summary>A record brought from another system says when it became a customer; the event keeps that and when it was recorded.</summary>
[Collection(AppCollection.Name)]
public class when_a_migrated_customer_is_registered(AppFixture app)
{
    private static readonly DateTimeOffset Since = new(2019, 3, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task the_registration_keeps_its_business_time_and_the_event_its_record_time()
    {
        var before = DateTimeOffset.UtcNow;
        var id = await app.RegisterWith(new { name = "Old Timer", email = AppFixture.NewEmail(), registeredAt = Since, age = 40 });

        var profile = await app.Profile(id);
        profile.GetProperty("registeredAt").GetDateTimeOffset().ShouldBe(Since);
        // The age is sent as it is today; the event states it as of the registration, so the birth year is right.
        profile.GetProperty("birthYear").GetInt32().ShouldBe(DateTime.UtcNow.Year - 40);
        profile.GetProperty("age").GetInt32().ShouldBe(40);

        var history = await app.History(id);
        var registered = history.EnumerateArray().Single();
        registered.GetProperty("data").GetProperty("registeredAt").GetDateTimeOffset().ShouldBe(Since);
        registered.GetProperty("timestamp").GetDateTimeOffset().ShouldBeGreaterThan(before.AddSeconds(-5));
        await using var session = app.Store.QuerySession();
        var stored = (CustomerRegistered)(await session.Events.FetchStreamAsync(id)).Single().Data;
        stored.Demographics!.Age.ShouldBe(40 - (DateTime.UtcNow.Year - Since.Year));
    }

    [Fact]
    public async Task the_audit_view_as_of_a_time_is_by_record_time_so_the_customer_was_not_there_before_it_was_recorded()
    {
        var id = await app.RegisterWith(new { name = "Late Record", email = AppFixture.NewEmail(), registeredAt = Since });

        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("audrey", Roles.Auditor));
            s.Get.Url($"/api/customers/{id}/as-of?at={Uri.EscapeDataString(Since.AddYears(1).ToString("O"))}");
            s.IgnoreStatusCode();
        });

        await result.ShouldBeProblem(404);
    }

    [Theory]
    [InlineData("2999-01-01T00:00:00Z", "'registeredAt' cannot be in the future.")]
    [InlineData("1850-06-01T00:00:00Z", "'registeredAt' cannot be before 1900-01-01.")]
    public async Task an_impossible_registration_date_is_a_400_naming_it_and_registers_nothing(string registeredAt, string message)
    {
        var email = AppFixture.NewEmail();
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Post.Json(new { name = "Time Traveller", email, registeredAt }).ToUrl("/api/customers");
            s.IgnoreStatusCode();
        });

        (await result.ShouldBeProblem(400)).GetProperty("errors").GetProperty("registeredAt")[0].GetString().ShouldBe(message);
        await using var session = app.Store.QuerySession();
        (await session.Query<CustomerProfile>().AnyAsync(p => p.Email == email)).ShouldBeFalse();
    }

    [Fact]
    public async Task an_age_too_young_for_the_registration_date_is_a_400()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Post.Json(new { name = "Young", email = AppFixture.NewEmail(), registeredAt = Since, age = 3 }).ToUrl("/api/customers");
            s.IgnoreStatusCode();
        });

        (await result.ShouldBeProblem(400)).GetProperty("errors").GetProperty("age")[0].GetString()!.ShouldContain("not yet born");
    }
}
