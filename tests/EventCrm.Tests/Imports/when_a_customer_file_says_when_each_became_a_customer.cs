using System.Text.Json;
using System.Text.RegularExpressions;
using EventCrm.Imports;
using EventCrm.Models;
using Marten.Events;
using EventCrm.Tests.Analytics;
using Microsoft.Extensions.DependencyInjection;

namespace EventCrm.Tests.Imports;

/// <summary>
/// A customer file with a registration-date column and the customers' purchases: tenure counts from when each
/// became a customer, and cohorts group them by that month, both checked against figures worked out by hand.
/// </summary>
[Collection(AppCollection.Name)]
public class when_a_customer_file_says_when_each_became_a_customer(AppFixture app)
{
    [Theory]
    [InlineData("customer_since", "")]
    [InlineData("Signup Date", "")]
    [InlineData("created", "")]
    [InlineData("Member Since", "")]
    [InlineData("Registration Date", "")]
    [InlineData("Kunde seit", "mapping=Kunde seit=registeredAt")]
    public async Task the_registration_date_column_is_recognised_by_its_usual_names(string header, string query)
    {
        var email = $"since.{ImportApi.Unique()}@example.com";

        var report = await app.Imported("customers", $"name,email,{header}\nSid Since,{email},2020-07-15\n", query);

        report.GetProperty("columns").GetProperty(header).GetString().ShouldBe("registeredAt");
        var id = (await app.Rows(report.GetProperty("id").GetGuid())).Single().Value.GetProperty("customerId").GetGuid();
        var profile = await app.Get($"/api/customers/{id}");
        profile.GetProperty("registeredAt").GetDateTimeOffset().ShouldBe(new DateTimeOffset(2020, 7, 15, 0, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public void the_api_docs_list_every_header_recognised_for_the_registration_date_and_no_other()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "EventCrm.sln"))) root = root.Parent!;
        var docs = File.ReadAllText(Path.Combine(root.FullName, "docs", "api.md"));
        var bullet = Regex.Match(docs, @"- \*\*Registration date\*\*.*?Recognised headers: (.*?) \(any case", RegexOptions.Singleline);
        bullet.Success.ShouldBeTrue("docs/api.md has no 'Registration date' bullet listing the recognised headers.");

        var listed = Regex.Matches(bullet.Groups[1].Value, "`([^`]+)`").Select(m => ImportFields.Key(m.Groups[1].Value));

        listed.ShouldBe(ImportFields.Customers.HeadersOf("registeredAt"), ignoreOrder: true);
    }

    [Fact]
    public async Task a_registration_date_in_the_future_rejects_its_row_naming_the_field()
    {
        var report = await app.Imported("customers", $"name,email,signup_date\nFay Future,future.{ImportApi.Unique()}@example.com,2999-01-01\n");

        report.GetProperty("counts").GetProperty("rejected").GetInt32().ShouldBe(1);
        report.Rejected()[2].Reason().ShouldBe("registeredAt: 'registeredAt' cannot be in the future.");
    }

    [Fact]
    public async Task tenure_and_cohorts_count_from_the_registration_date_or_else_the_first_purchase()
    {
        var source = $"cohort-{ImportApi.Unique()}";
        string Email(string who) => $"{who}.{source}@example.com";
        var customers = await app.Imported("customers", $"""
            name,email,customer_since,source
            Ann Early,{Email("ann")},2021-01-15,{source}
            Bob Late,{Email("bob")},2021-01-31T18:30:00Z,{source}
            Cid Idle,{Email("cid")},2021-02-10,{source}
            Dee Nodate,{Email("dee")},,{source}
            Eve Guest,{Email("eve")},2021-03-01,{source}
            """);
        customers.GetProperty("counts").GetProperty("created").GetInt32().ShouldBe(5, customers.GetRawText());
        var purchases = await app.Imported("purchases", $"""
            email,amount,currency,product,category,purchased_at
            {Email("ann")},100,EUR,Item,Shop,2021-01-20T10:00:00Z
            {Email("ann")},50,EUR,Item,Shop,2021-02-03T10:00:00Z
            {Email("ann")},30,EUR,Item,Shop,2021-04-10T10:00:00Z
            {Email("bob")},70,EUR,Item,Shop,2021-03-01T12:00:00Z
            {Email("dee")},40,EUR,Item,Shop,2021-02-20T08:00:00Z
            {Email("dee")},60,EUR,Item,Shop,2021-03-05T08:00:00Z
            {Email("eve")},25,EUR,Item,Shop,2021-02-25T09:00:00Z
            {Email("eve")},45,EUR,Item,Shop,2021-03-15T09:00:00Z
            """);
        purchases.GetProperty("counts").GetProperty("created").GetInt32().ShouldBe(8, purchases.GetRawText());
        var rows = await app.Rows(customers.GetProperty("id").GetGuid());
        Guid Id(int row) => rows[row].GetProperty("customerId").GetGuid();
        var (ann, bob, cid, dee, eve) = (Id(2), Id(3), Id(4), Id(5), Id(6));
        await app.Host.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));

        // Tenure as the models take it, as of 1 June 2021: from the date given; Dee, with none, from her first
        // purchase (20 Feb 08:00); Eve from her purchase of 25 Feb 09:00, which came before her registration.
        var histories = app.Host.Services.GetRequiredService<CustomerHistories>();
        async Task<float?> Tenure(Guid id, DateTimeOffset cutoff) =>
            CustomerFeatures.Of((await histories.Load(id, DateTimeOffset.UtcNow, CancellationToken.None))[id], cutoff)?.TenureDays;
        var june = new DateTimeOffset(2021, 6, 1, 0, 0, 0, TimeSpan.Zero);
        (await Tenure(ann, june)).ShouldBe(137f);
        (await Tenure(bob, june))!.Value.ShouldBe(120.229164f, 0.0001f);   // 121 days less 18.5 hours
        (await Tenure(cid, june)).ShouldBe(111f);
        (await Tenure(dee, june))!.Value.ShouldBe(100.666664f, 0.0001f);   // 101 days less 8 hours
        (await Tenure(eve, june))!.Value.ShouldBe(95.625f, 0.0001f);       // 96 days less 9 hours
        // On 1 February only Ann and Bob were customers.
        var february = new DateTimeOffset(2021, 2, 1, 0, 0, 0, TimeSpan.Zero);
        (await Tenure(ann, february)).ShouldBe(17f);
        (await Tenure(bob, february))!.Value.ShouldBe(0.229166f, 0.0001f);
        (await Tenure(cid, february)).ShouldBeNull();
        (await Tenure(dee, february)).ShouldBeNull();
        (await Tenure(eve, february)).ShouldBeNull();

        // Tenure as analytics gives it (whole days to today): the longest is Ann's, the shortest Eve's.
        var before = DateTimeOffset.UtcNow;
        var described = await app.AnalyticsJson($"/api/analytics/customers/describe?fields=tenureDays&source={source}");
        var after = DateTimeOffset.UtcNow;
        var tenure = described.GetProperty("groups")[0].GetProperty("fields").GetProperty("tenureDays");
        double Days(DateTimeOffset now, DateTimeOffset since) => Math.Floor((now - since).TotalDays);
        var annSince = new DateTimeOffset(2021, 1, 15, 0, 0, 0, TimeSpan.Zero);
        var eveSince = new DateTimeOffset(2021, 2, 25, 9, 0, 0, TimeSpan.Zero);
        tenure.GetProperty("count").GetInt64().ShouldBe(5);
        tenure.GetProperty("max").GetDouble().ShouldBeInRange(Days(before, annSince), Days(after, annSince));
        tenure.GetProperty("min").GetDouble().ShouldBeInRange(Days(before, eveSince), Days(after, eveSince));

        // Cohorts by the month each began, worked out by hand from the two files above.
        var cohorts = (await app.AnalyticsJson($"/api/analytics/customers/cohorts?from=2021-01-01&to=2021-03-31&source={source}"))
            .GetProperty("cohorts").EnumerateArray().ToList();
        cohorts.Select(c => c.GetProperty("month").GetString()).ShouldBe(["2021-01", "2021-02", "2021-03"]);
        cohorts.Select(c => c.GetProperty("customers").GetInt64()).ShouldBe([2L, 3L, 0L]);
        Months(cohorts[0]).Take(5).ShouldBe([(0, "2021-01", 1L, 100m, 0.5), (1, "2021-02", 1L, 50m, 0.5), (2, "2021-03", 1L, 70m, 0.5),
            (3, "2021-04", 1L, 30m, 0.5), (4, "2021-05", 0L, 0m, 0.0)]);
        Months(cohorts[1]).Take(3).ShouldBe([(0, "2021-02", 2L, 65m, 0.6667), (1, "2021-03", 2L, 105m, 0.6667), (2, "2021-04", 0L, 0m, 0.0)]);
        // Followed to this month, with nothing bought after April 2021.
        var thisMonth = DateTimeOffset.UtcNow.ToString("yyyy-MM");
        cohorts.ShouldAllBe(c => c.GetProperty("months").EnumerateArray().Last().GetProperty("month").GetString() == thisMonth);
        Months(cohorts[0]).Skip(4).ShouldAllBe(m => m.Buyers == 0 && m.Revenue == 0);
        Months(cohorts[1]).Skip(2).ShouldAllBe(m => m.Buyers == 0 && m.Revenue == 0);
        Months(cohorts[2]).ShouldAllBe(m => m.Buyers == 0 && m.Retention == 0);

        var csv = await app.Analytics($"/api/analytics/customers/cohorts?from=2021-01-01&to=2021-03-31&source={source}", "text/csv");
        var lines = (await csv.ReadAsTextAsync()).Split(["\r\n", "\n"], StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldBe("cohort,customers,offset,month,currency,buyers,revenue,retention");
        lines[1].ShouldBe("2021-01,2,0,2021-01,EUR,1,100,0.5");
        var png = await app.Analytics($"/api/analytics/customers/cohorts?from=2021-01-01&to=2021-03-31&source={source}", "image/png");
        png.Context.Response.ContentType.ShouldBe("image/png");
    }

    private static List<(int Offset, string Month, long Buyers, decimal Revenue, double Retention)> Months(JsonElement cohort) =>
        [.. cohort.GetProperty("months").EnumerateArray().Select(m => (m.GetProperty("offset").GetInt32(), m.GetProperty("month").GetString()!,
            m.GetProperty("buyers").GetInt64(), m.GetProperty("revenue").GetDecimal(), m.GetProperty("retention").GetDouble()))];
}
