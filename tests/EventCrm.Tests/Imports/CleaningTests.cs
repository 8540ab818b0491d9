using System.Globalization;
using System.Text;
using EventCrm.Customers;
using EventCrm.Imports;
using EventCrm.Infrastructure.Http;
using Microsoft.Extensions.Time.Testing;

namespace EventCrm.Tests.Imports;

/// <summary>How one value of a file becomes a typed one, in the import's culture; no database, no HTTP.</summary>
public class when_a_value_is_cleaned
{
    private static (Cleaning Clean, List<RowError> Errors) In(string culture)
    {
        var errors = new List<RowError>();
        return (new Cleaning(CultureInfo.GetCultureInfo(culture), errors), errors);
    }

    [Theory]
    [InlineData("de-DE", "1.234,50 €", "1234.50")]
    [InlineData("de-DE", "52000", "52000")]
    [InlineData("de-DE", "-12,5", "-12.5")]
    [InlineData("en-US", "$1,234.50", "1234.50")]
    [InlineData("en-US", "1234.5", "1234.5")]
    public void numbers_are_read_as_the_culture_writes_them(string culture, string text, string expected)
    {
        var (clean, errors) = In(culture);

        clean.Decimal("annualIncome", text).ShouldBe(decimal.Parse(expected, CultureInfo.InvariantCulture));
        errors.ShouldBeEmpty();
    }

    [Fact]
    public void a_number_that_is_not_one_is_an_error_naming_the_field_and_the_culture_s_way()
    {
        var (clean, errors) = In("de-DE");

        clean.Decimal("annualIncome", " viel ").ShouldBeNull();

        errors.ShouldBe([new RowError("annualIncome", "'viel' is not a number as written in de-DE (e.g. 1.234,50).")]);
    }

    [Theory]
    [InlineData("de-DE", "1.000", 1000)]
    [InlineData("en-US", "1,000", 1000)]
    [InlineData("en-US", "42", 42)]
    public void whole_numbers_may_have_the_culture_s_thousands(string culture, string text, int expected)
    {
        var (clean, errors) = In(culture);

        clean.Integer("age", text).ShouldBe(expected);
        errors.ShouldBeEmpty();
    }

    [Fact]
    public void a_fraction_is_not_a_whole_number()
    {
        var (clean, errors) = In("de-DE");

        clean.Integer("age", "42,5").ShouldBeNull();

        errors.ShouldBe([new RowError("age", "'42,5' is not a whole number.")]);
    }

    [Theory]
    [InlineData("de-DE", "01.02.1990", 1990, 2, 1)]
    [InlineData("en-US", "01/02/1990", 1990, 1, 2)]
    [InlineData("de-DE", "1990-02-01", 1990, 2, 1)]
    [InlineData("en-US", "1990-02-01", 1990, 2, 1)]
    [InlineData("en-US", "19900201", 1990, 2, 1)]
    [InlineData("de-DE", "1990/02/01", 1990, 2, 1)]
    public void dates_are_iso_first_then_the_culture_s_order(string culture, string text, int year, int month, int day)
    {
        var (clean, errors) = In(culture);

        clean.Date("birthDate", text).ShouldBe(new DateOnly(year, month, day));
        errors.ShouldBeEmpty();
    }

    [Fact]
    public void a_day_the_culture_cannot_read_is_an_error_saying_how_to_write_one()
    {
        var (clean, errors) = In("en-US");

        clean.Date("birthDate", "13/02/1990").ShouldBeNull();

        errors.ShouldBe([new RowError("birthDate", "'13/02/1990' is not a date (yyyy-MM-dd, or M/d/yyyy in en-US).")]);
    }

    [Theory]
    [InlineData("en-US", "2026-03-01T14:30:00+01:00", "2026-03-01T13:30:00Z")]
    [InlineData("en-US", "2026-03-01 14:30", "2026-03-01T14:30:00Z")]
    [InlineData("de-DE", "2026-03-01", "2026-03-01T00:00:00Z")]
    [InlineData("de-DE", "01.03.2026 14:30", "2026-03-01T14:30:00Z")]
    [InlineData("en-US", "3/1/2026 2:30 PM", "2026-03-01T14:30:00Z")]
    public void instants_without_an_offset_are_utc(string culture, string text, string expected)
    {
        var (clean, errors) = In(culture);

        clean.Instant("purchasedAt", text).ShouldBe(DateTimeOffset.Parse(expected, CultureInfo.InvariantCulture));
        errors.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("O'NEIL", "O'Neil")]
    [InlineData("jean-luc PICARD", "Jean-Luc Picard")]
    [InlineData("  mary   ANN ", "Mary Ann")]
    [InlineData("o’brien", "O’Brien")]
    [InlineData("McDonald", "McDonald")]
    [InlineData("Danny DeVito", "Danny DeVito")]
    public void names_in_one_case_are_capitalised_and_mixed_case_is_kept(string text, string expected) =>
        In("en-US").Clean.Name(text).ShouldBe(expected);

    [Fact]
    public void a_list_is_split_on_commas_semicolons_and_bars() =>
        Cleaning.List(" vip; gold | new ,").ShouldBe(["vip", "gold", "new"]);

    [Fact]
    public void an_empty_value_is_not_given_and_no_error()
    {
        var (clean, errors) = In("de-DE");

        clean.Decimal("annualIncome", " ").ShouldBeNull();
        clean.Integer("age", "").ShouldBeNull();
        clean.Date("birthDate", null).ShouldBeNull();
        clean.Instant("purchasedAt", "\t").ShouldBeNull();
        clean.Name("  ").ShouldBeNull();
        Cleaning.Text(" ").ShouldBeNull();
        Cleaning.List("").ShouldBeNull();
        errors.ShouldBeEmpty();
    }
}

/// <summary>A row of a customer file, read as the importer reads it, cleaned into the registration the API would decide on.</summary>
public class when_a_customer_row_is_cleaned
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 9, 30, 0, TimeSpan.Zero);
    private static readonly CustomerRules Rules = new() { DefaultPhoneRegion = "US" };

    /// <summary>The records of a file as <see cref="ImportSource"/> hands them to the importer.</summary>
    internal static async Task<List<SourceRow>> Read(string file, CultureInfo culture, string format = "csv",
        Dictionary<string, string>? mapping = null, ImportFields? fields = null)
    {
        var source = new ImportSource(new MemoryStream(Encoding.UTF8.GetBytes(file)), format, fields ?? ImportFields.Customers,
            mapping ?? [], culture);
        var rows = new List<SourceRow>();
        await foreach (var record in source.Read(CancellationToken.None))
            rows.Add(record.ShouldBeOfType<SourceRow>());
        source.Unusable.ShouldBeNull();
        return rows;
    }

    private static async Task<(CustomerRegistration Registration, IReadOnlyList<RowError> Errors)> Clean(string file, string culture = "en-US",
        string format = "csv", CustomerRules? rules = null)
    {
        var cultureInfo = CultureInfo.GetCultureInfo(culture);
        return CustomerRow.Clean((await Read(file, cultureInfo, format)).ShouldHaveSingleItem(), cultureInfo, rules ?? Rules,
            new FakeTimeProvider(Now));
    }

    [Fact]
    public async Task a_german_row_is_read_the_german_way_into_the_stored_forms()
    {
        var (registration, errors) = await Clean("""
            Full Name;E-Mail;Telephone;Country;Birthday;Income;Tags
            ADA O'NEIL; Ada.ONeil@Example.COM ;030 123456;Deutschland;01.02.1990;52.000,50 €;vip, Gold
            """, "de-DE");

        errors.ShouldBeEmpty();
        registration.Problem.ShouldBeSameAs(Problems.None);
        registration.Name.ShouldBe("Ada O'Neil");
        registration.Email.ShouldBe("ada.oneil@example.com");
        registration.Phone.ShouldBe("+4930123456");
        registration.Demographics.ShouldBe(new Demographics(new DateOnly(1990, 2, 1), null, 52000.50m, "DE", null, null));
        registration.Tags.ShouldBe(["gold", "vip"]);
    }

    [Fact]
    public async Task an_american_row_is_read_the_american_way()
    {
        var (registration, errors) = await Clean("""
            name,email,phone,country,dob,salary
            grace HOPPER,grace@navy.mil,(415) 555-2671,United States,02/01/1990,"$52,000.50"
            """);

        errors.ShouldBeEmpty();
        registration.Name.ShouldBe("Grace Hopper");
        registration.Phone.ShouldBe("+14155552671");
        registration.Demographics.ShouldBe(new Demographics(new DateOnly(1990, 2, 1), null, 52000.50m, "US", null, null));
    }

    [Fact]
    public async Task a_phone_without_a_prefix_is_read_in_the_row_s_own_country_and_else_in_the_default_one()
    {
        var (german, _) = await Clean("email,phone,country\nada@example.com,030 123456,DE");
        german.Phone.ShouldBe("+4930123456");

        var (nowhere, errors) = await Clean("name,email,phone\nAda,ada@example.com,030 123456");
        nowhere.Phone.ShouldBeNull();
        errors.ShouldBe([new RowError("phone",
            "'phone' is not a valid phone number: '030 123456' (use international format, e.g. +4930123456, or a US number).")]);
    }

    [Theory]
    [InlineData("DEU", "DE")]
    [InlineData("gb", "GB")]
    [InlineData("United Kingdom", "GB")]
    [InlineData("Österreich", "AT")]
    public async Task countries_are_stored_as_iso_3166_alpha_2(string country, string iso)
    {
        var (registration, errors) = await Clean($"name,email,country\nAda,ada@example.com,{country}");

        errors.ShouldBeEmpty();
        registration.Demographics!.Country.ShouldBe(iso);
    }

    [Fact]
    public async Task an_unknown_country_is_an_error_on_the_country()
    {
        var (_, errors) = await Clean("name,email,country\nAda,ada@example.com,Atlantis");

        errors.ShouldBe([new RowError("country", "'country' 'Atlantis' is not an ISO 3166 country code (e.g. DE, DEU) or an English country name.")]);
    }

    [Fact]
    public async Task empty_optional_fields_stay_empty()
    {
        var (registration, errors) = await Clean("""
            name,email,phone,birthdate,age,income,country,region,industry,source,tags
            Ada,ada@example.com,, , ,,,,,,
            """);

        errors.ShouldBeEmpty();
        registration.Phone.ShouldBeNull();
        registration.Demographics.ShouldBeNull();
        registration.AcquisitionSource.ShouldBeNull();
        registration.Tags.ShouldBeNull();
    }

    [Fact]
    public async Task a_name_in_two_columns_is_joined_and_capitalised()
    {
        var (registration, _) = await Clean("First Name,Last Name,Email\njean-luc,PICARD,jl@starfleet.org");

        registration.Name.ShouldBe("Jean-Luc Picard");
    }

    [Fact]
    public async Task each_problem_is_reported_once_with_its_field()
    {
        var (registration, errors) = await Clean("""
            name,email,birthdate,income,tags
            ,ada(at)example.com,31.02.1990,viel,ok
            """, "de-DE");

        errors.ShouldBe([
            new RowError("birthDate", "'31.02.1990' is not a date (yyyy-MM-dd, or dd.MM.yyyy in de-DE)."),
            new RowError("annualIncome", "'viel' is not a number as written in de-DE (e.g. 1.234,50)."),
            new RowError("name", "'name' is required."),
            new RowError("email", "'email' is not a valid e-mail address: 'ada(at)example.com'."),
        ], ignoreOrder: true);
        registration.Problem.Status.ShouldBe(400);
    }

    [Fact]
    public async Task the_reader_numbers_rows_as_a_spreadsheet_does_and_reads_mapped_columns()
    {
        var rows = await Read("Kunde;Mail;Notiz\nAda;ada@example.com;hello\nGrace;grace@navy.mil;bye", CultureInfo.InvariantCulture,
            mapping: new() { ["Kunde"] = "name" });

        rows.Select(r => r.Row).ShouldBe([2, 3]);
        rows[0]["name"].ShouldBe("Ada");
        rows[0]["email"].ShouldBe("ada@example.com");
        rows[0].Values.Keys.ShouldBe(["name", "email"], ignoreOrder: true);
    }

    [Fact]
    public async Task a_json_number_is_a_number_whatever_the_import_s_culture()
    {
        var (registration, errors) = await Clean("""
            [{ "name": "Ada", "email": "ada@example.com", "income": 52000.5, "age": 36, "tags": ["vip", "gold"] }]
            """, "de-DE", "json");

        errors.ShouldBeEmpty();
        registration.Demographics.ShouldBe(new Demographics(null, 36, 52000.5m, null, null, null));
        registration.Tags.ShouldBe(["gold", "vip"]);
    }

    [Fact]
    public async Task a_json_amount_reaches_the_purchase_cleaning_as_the_same_number()
    {
        var german = CultureInfo.GetCultureInfo("de-DE");
        var row = (await Read("""[{ "email": "ada@example.com", "amount": 19.99, "purchasedAt": "2026-03-01" }]""", german, "json",
            fields: ImportFields.Purchases)).ShouldHaveSingleItem();
        var errors = new List<RowError>();

        new Cleaning(german, errors).Decimal("amount", row["amount"]).ShouldBe(19.99m);
        errors.ShouldBeEmpty();
    }
}
