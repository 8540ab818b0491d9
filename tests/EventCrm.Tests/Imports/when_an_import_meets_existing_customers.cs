using EventCrm.Customers;
using EventCrm.Tests.Customers;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventCrm.Tests.Imports;

[Collection(AppCollection.Name)]
public class when_an_import_meets_existing_customers(AppFixture app)
{
    [Fact]
    public async Task skip_leaves_the_customer_untouched_and_says_who_matched()
    {
        var email = AppFixture.NewEmail("known");
        var known = await app.Register(email, "Known Person");
        var newcomer = AppFixture.NewEmail("new");

        var report = await app.Imported("customers", $"name,email,income\nKNOWN PERSON,{email.ToUpperInvariant()},99000\nNew Person,{newcomer},\n");

        var rows = await app.Rows(report.GetProperty("id").GetGuid());
        rows[2].GetProperty("outcome").GetString().ShouldBe("skipped");
        rows[2].GetProperty("customerId").GetGuid().ShouldBe(known);
        rows[2].GetProperty("note").GetString().ShouldBe($"Matches customer {known} by e-mail.");
        rows[3].GetProperty("outcome").GetString().ShouldBe("created");
        (await StoredEvents.Of(app, known)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task update_changes_only_what_the_row_states_through_change_events()
    {
        var email = AppFixture.NewEmail("update");
        var (oldPhone, newPhone) = (ImportApi.NewPhone(), ImportApi.NewPhone());
        var known = await app.RegisterWith(new { name = "Una Update", email, phone = oldPhone, annualIncome = 40000m, country = "DE", industry = "Retail", tags = new[] { "vip" } });

        var report = await app.Imported("customers",
            $"email,phone,income,region,tags\n{email},{newPhone},45000,Bavaria,\"vip,newsletter\"\n", "onDuplicate=update");

        var row = (await app.Rows(report.GetProperty("id").GetGuid()))[2];
        row.GetProperty("outcome").GetString().ShouldBe("updated");
        row.GetProperty("changed").EnumerateArray().Select(c => c.GetString()).ShouldBe(["phone", "annualIncome", "region", "tags"]);
        row.GetProperty("phoneBefore").GetString().ShouldBe(oldPhone);
        row.GetProperty("phoneAfter").GetString().ShouldBe(newPhone);
        var events = await StoredEvents.Of(app, known);
        events.Select(e => e.Type).ShouldBe(["customer_registered", "contact_details_changed", "demographics_changed", "tags_added"]);
        events.Skip(1).ShouldAllBe(e => e.Source == $"import:{report.GetProperty("id").GetGuid()}");
        var profile = await app.Profile(known);
        profile.GetProperty("phone").GetString().ShouldBe(newPhone);
        profile.GetProperty("annualIncome").GetDecimal().ShouldBe(45000m);
        profile.GetProperty("region").GetString().ShouldBe("Bavaria");
        profile.GetProperty("country").GetString().ShouldBe("DE");
        profile.GetProperty("industry").GetString().ShouldBe("Retail");
        profile.GetProperty("name").GetString().ShouldBe("Una Update");
        profile.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).Order().ShouldBe(["newsletter", "vip"]);
    }

    [Fact]
    public async Task update_with_nothing_new_appends_nothing()
    {
        var email = AppFixture.NewEmail("same");
        var known = await app.RegisterWith(new { name = "Sam Same", email, annualIncome = 40000m });

        var report = await app.Imported("customers", $"email,income\n{email},40000\n", "onDuplicate=update");

        (await app.Rows(report.GetProperty("id").GetGuid()))[2].GetProperty("note").GetString().ShouldBe($"Matches customer {known}; nothing to change.");
        (await StoredEvents.Of(app, known)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task flag_by_email_changes_nothing_and_flag_by_phone_records_a_possible_duplicate()
    {
        var phone = ImportApi.NewPhone();
        var byEmail = AppFixture.NewEmail("flag");
        var known = await app.RegisterWith(new { name = "Fay Flag", email = byEmail, phone });
        var other = await app.Register(AppFixture.NewEmail("other"), "Otto Other");

        var report = await app.Imported("customers",
            $"name,email,phone\nFay Flag,{byEmail},\nFay F.,{AppFixture.NewEmail("fay")},{phone}\n", "onDuplicate=flag");

        var counts = report.GetProperty("counts");
        counts.GetProperty("flagged").GetInt32().ShouldBe(1);
        counts.GetProperty("created").GetInt32().ShouldBe(1);
        var rows = await app.Rows(report.GetProperty("id").GetGuid());
        rows[2].GetProperty("outcome").GetString().ShouldBe("flagged");
        (await StoredEvents.Of(app, known)).Count.ShouldBe(1);
        var created = rows[3].GetProperty("customerId").GetGuid();
        rows[3].GetProperty("note").GetString().ShouldBe($"The same phone as customer {known}: recorded as a possible duplicate to review.");
        var database = app.Host.Services.GetRequiredService<NpgsqlDataSource>();
        await using var command = database.CreateCommand($"select reason from {DuplicateScan.Candidates} where first = least($1, $2) and second = greatest($1, $2)");
        command.Parameters.AddWithValue(created);
        command.Parameters.AddWithValue(known);
        (await command.ExecuteScalarAsync()).ShouldBe("same phone");
        other.ShouldNotBe(created);
    }

    [Fact]
    public async Task an_email_that_appears_twice_in_a_file_creates_one_customer()
    {
        var email = AppFixture.NewEmail("twice");

        var report = await app.Imported("customers", $"name,email\nTwo Times,{email}\nTwo Again,{email.ToUpperInvariant()}\n");

        report.GetProperty("counts").GetProperty("created").GetInt32().ShouldBe(1);
        report.GetProperty("counts").GetProperty("duplicates").GetInt32().ShouldBe(1);
    }
}
