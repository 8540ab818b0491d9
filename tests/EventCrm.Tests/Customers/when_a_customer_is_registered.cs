using Alba;
using EventCrm.Customers;
using EventCrm.Infrastructure.Security;
using Marten;

namespace EventCrm.Tests.Customers;

[Collection(AppCollection.Name)]
public class when_a_customer_is_registered(AppFixture app)
{
    [Fact]
    public async Task it_answers_201_with_the_location_id_and_first_version()
    {
        var email = AppFixture.NewEmail("ada");
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Post.Json(new { name = "Ada Lovelace", email }).ToUrl("/api/customers");
            s.StatusCodeShouldBe(201);
        });

        var body = await result.Body();
        var id = body.GetProperty("id").GetGuid();
        id.ShouldNotBe(Guid.Empty);
        body.GetProperty("version").GetInt32().ShouldBe(1);
        result.Header("Location").ShouldBe($"/api/customers/{id}");
    }

    [Fact]
    public async Task the_profile_holds_the_normalised_contact_details()
    {
        var email = AppFixture.NewEmail("Mixed.Case");
        var id = await app.Register($"  {email.ToUpperInvariant()} ", name: "  Ada    King  ", phone: "+44 20 7946 0958");

        var profile = await app.Profile(id);

        profile.GetProperty("id").GetGuid().ShouldBe(id);
        profile.GetProperty("version").GetInt32().ShouldBe(1);
        profile.GetProperty("name").GetString().ShouldBe("Ada King");
        profile.GetProperty("email").GetString().ShouldBe(email.ToLowerInvariant());
        profile.GetProperty("phone").GetString().ShouldBe("+442079460958");
    }

    [Fact]
    public async Task the_event_records_who_registered_the_customer_and_through_what()
    {
        var id = await app.Register(AppFixture.NewEmail(), token: app.TokenFor("sally", Roles.Sales));

        await using var session = app.Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(id);

        var registered = events.ShouldHaveSingleItem();
        registered.Data.ShouldBeOfType<CustomerRegistered>();
        registered.UserName.ShouldBe("sally");
        registered.Headers.ShouldNotBeNull()["source"].ToString().ShouldBe("api");
        registered.CorrelationId.ShouldNotBeNullOrWhiteSpace();
        registered.CausationId.ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public async Task invalid_fields_are_a_400_naming_each_field_and_nothing_is_stored()
    {
        var email = "not-an-address";
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Post.Json(new { name = "Bad\u0007Bell" + new string('x', 10), email, phone = "12" }).ToUrl("/api/customers");
            s.IgnoreStatusCode();
        });

        var problem = await result.ShouldBeProblem(400, "urn:eventcrm:problem:validation");
        var errors = problem.GetProperty("errors");
        errors.GetProperty("name")[0].GetString().ShouldNotBeNull().ShouldContain("control characters");
        errors.GetProperty("email")[0].GetString().ShouldNotBeNull().ShouldContain("not a valid e-mail");
        errors.GetProperty("phone")[0].GetString().ShouldNotBeNull().ShouldContain("not a valid phone");

        await using var session = app.Store.QuerySession();
        (await session.Query<CustomerProfile>().AnyAsync(p => p.Email == email)).ShouldBeFalse();
    }

    [Fact]
    public async Task a_missing_name_and_an_oversized_one_are_refused()
    {
        var missing = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Post.Json(new { email = AppFixture.NewEmail() }).ToUrl("/api/customers");
            s.IgnoreStatusCode();
        });
        (await missing.ShouldBeProblem(400)).GetProperty("errors").GetProperty("name")[0].GetString()
            .ShouldBe("'name' is required.");

        var oversized = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Post.Json(new { name = new string('n', 201), email = AppFixture.NewEmail() }).ToUrl("/api/customers");
            s.IgnoreStatusCode();
        });
        (await oversized.ShouldBeProblem(400)).GetProperty("errors").GetProperty("name")[0].GetString()
            .ShouldBe("'name' must be at most 200 characters.");
    }

    [Fact]
    public async Task an_email_that_belongs_to_another_customer_is_a_422_pointing_at_them()
    {
        var email = AppFixture.NewEmail("taken");
        var existing = await app.Register(email);

        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Post.Json(new { name = "Someone Else", email = email.ToUpperInvariant() }).ToUrl("/api/customers");
            s.IgnoreStatusCode();
        });

        var problem = await result.ShouldBeProblem(422, "urn:eventcrm:problem:rule-violation");
        problem.GetProperty("existingCustomerId").GetGuid().ShouldBe(existing);
    }

    [Fact]
    public async Task concurrent_registrations_of_one_email_create_exactly_one_customer_and_name_it_to_the_others()
    {
        var email = AppFixture.NewEmail("race");

        var attempts = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Post.Json(new { name = $"Racer {i}", email }).ToUrl("/api/customers");
            s.IgnoreStatusCode();
        })));

        var statuses = attempts.Select(a => a.Context.Response.StatusCode).ToList();
        statuses.Count(s => s == 201).ShouldBe(1);
        // The claim is taken in the commit, and a racing claim waits for the first to commit: every other attempt is
        // refused as a taken address is, naming the customer that won.
        statuses.ShouldAllBe(s => s == 201 || s == 422);
        var winner = System.Text.Json.JsonDocument.Parse(await attempts.Single(a => a.Context.Response.StatusCode == 201).ReadAsTextAsync())
            .RootElement.GetProperty("id").GetGuid();
        foreach (var refused in attempts.Where(a => a.Context.Response.StatusCode == 422))
        {
            var problem = await refused.ShouldBeProblem(422, "urn:eventcrm:problem:rule-violation");
            problem.GetProperty("existingCustomerId").GetGuid().ShouldBe(winner);
        }
        await using var session = app.Store.QuerySession();
        (await session.Query<CustomerProfile>().CountAsync(p => p.Email == email)).ShouldBe(1);
        var streams = await session.Events.QueryAllRawEvents()
            .Where(e => e.EventTypeName == "customer_registered")
            .ToListAsync();
        streams.Count(e => ((CustomerRegistered)e.Data).Email == email).ShouldBe(1);
    }

    [Fact]
    public async Task hostile_text_is_stored_verbatim_and_returned_as_json_not_markup()
    {
        const string name = "Robert'); DROP TABLE customers;-- <script>alert(1)</script>";
        var id = await app.Register(AppFixture.NewEmail(), name: name);

        (await app.Profile(id)).GetProperty("name").GetString().ShouldBe(name);
    }

    [Theory]
    [InlineData(Roles.Support)]
    [InlineData(Roles.Analyst)]
    [InlineData(Roles.Auditor)]
    [InlineData(Roles.Marketing)]
    public async Task roles_that_do_not_manage_customers_are_forbidden(string role)
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("olga", role));
            s.Post.Json(new { name = "Nope", email = AppFixture.NewEmail() }).ToUrl("/api/customers");
            s.IgnoreStatusCode();
        });
        await result.ShouldBeProblem(403);
    }
}
