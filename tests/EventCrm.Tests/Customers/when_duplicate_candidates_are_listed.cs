using System.Text.Json;
using EventCrm.Customers;
using EventCrm.Infrastructure.Security;
using Microsoft.Extensions.DependencyInjection;

namespace EventCrm.Tests.Customers;

[Collection(AppCollection.Name)]
public class when_duplicate_candidates_are_listed(AppFixture app)
{
    /// <summary>Runs a scan (the job a schedule or a user would start), then reads every page of its result.</summary>
    private async Task<List<JsonElement>> ScanAndRead()
    {
        await app.Host.Services.GetRequiredService<DuplicateScan>().Run(CancellationToken.None);
        return await Candidates();
    }

    private async Task<List<JsonElement>> Candidates()
    {
        var all = new List<JsonElement>();
        for (var page = 1; ; page++)
        {
            var result = await app.Host.Scenario(s =>
            {
                s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
                s.Get.Url($"/api/customers/duplicates?page={page}&pageSize=200");
            });
            var body = await result.Body();
            all.AddRange(body.GetProperty("items").EnumerateArray());
            if (page >= body.GetProperty("pageCount").GetInt64()) return all;
        }
    }

    private static bool Pairs(JsonElement candidate, Guid a, Guid b)
    {
        var first = candidate.GetProperty("first").GetProperty("id").GetGuid();
        var second = candidate.GetProperty("second").GetProperty("id").GetGuid();
        return (first == a && second == b) || (first == b && second == a);
    }

    private async Task<JsonElement> FirstPage() => await (await app.Host.Scenario(s =>
    {
        s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
        s.Get.Url("/api/customers/duplicates");
    })).Body();

    [Fact]
    public async Task before_the_first_scan_the_empty_list_says_no_scan_has_run_and_after_one_says_when()
    {
        await using (var forget = app.Host.Services.GetRequiredService<Npgsql.NpgsqlDataSource>()
                         .CreateCommand($"delete from {DuplicateScan.Scans}; delete from {DuplicateScan.Candidates}"))
            await forget.ExecuteNonQueryAsync();

        var before = await FirstPage();
        before.GetProperty("items").GetArrayLength().ShouldBe(0);
        before.GetProperty("lastScanAt").ValueKind.ShouldBe(JsonValueKind.Null);
        before.GetProperty("note").GetString()!.ShouldContain("No scan for duplicates has run yet");

        var started = DateTimeOffset.UtcNow.AddSeconds(-1);
        await app.Host.Services.GetRequiredService<DuplicateScan>().Run(CancellationToken.None);

        var after = await FirstPage();
        after.GetProperty("lastScanAt").GetDateTimeOffset().ShouldBeGreaterThan(started);
        after.GetProperty("note").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task customers_sharing_a_phone_are_a_pair()
    {
        var phone = $"+4930{Random.Shared.Next(1000000, 9999999)}";
        var a = await app.RegisterWith(new { name = "Phone Sharer " + Guid.NewGuid(), email = AppFixture.NewEmail(), phone });
        var b = await app.RegisterWith(new { name = "Other Person " + Guid.NewGuid(), email = AppFixture.NewEmail(), phone });

        var pair = (await ScanAndRead()).Single(c => Pairs(c, a, b));
        pair.GetProperty("reason").GetString().ShouldBe("same phone");
        pair.GetProperty("foundAt").GetDateTimeOffset().ShouldBeGreaterThan(DateTimeOffset.UtcNow.AddMinutes(-1));
        pair.GetProperty("first").GetProperty("phone").GetString().ShouldBe(phone);
    }

    [Fact]
    public async Task very_similar_names_in_one_country_are_a_pair_but_not_across_countries()
    {
        var surname = "Wojciechowski" + Guid.NewGuid().ToString("N")[..6];
        var a = await app.RegisterWith(new { name = $"Katarzyna {surname}", email = AppFixture.NewEmail(), country = "PL" });
        var b = await app.RegisterWith(new { name = $"Katarzyna {surname}a", email = AppFixture.NewEmail(), country = "PL" });
        var elsewhere = await app.RegisterWith(new { name = $"Katarzyna {surname}", email = AppFixture.NewEmail(), country = "CZ" });

        var candidates = await ScanAndRead();

        var pair = candidates.Single(c => Pairs(c, a, b));
        pair.GetProperty("reason").GetString().ShouldBe("similar name");
        pair.GetProperty("similarity").GetDouble().ShouldBeGreaterThanOrEqualTo(0.8);
        candidates.ShouldNotContain(c => Pairs(c, a, elsewhere));
    }

    [Fact]
    public async Task merged_customers_are_no_longer_candidates_even_before_the_next_scan()
    {
        var phone = $"+4940{Random.Shared.Next(1000000, 9999999)}";
        var a = await app.RegisterWith(new { name = "Merge Me " + Guid.NewGuid(), email = AppFixture.NewEmail(), phone });
        var b = await app.RegisterWith(new { name = "Merge You " + Guid.NewGuid(), email = AppFixture.NewEmail(), phone });
        (await ScanAndRead()).ShouldContain(c => Pairs(c, a, b));

        await app.Succeed(a, "merge", new { version = 1, duplicateId = b });

        (await Candidates()).ShouldNotContain(c => Pairs(c, a, b));
        (await ScanAndRead()).ShouldNotContain(c => Pairs(c, a, b));
    }

    [Fact]
    public async Task a_scan_is_queued_on_request()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Post.Json(new { }).ToUrl("/api/customers/duplicates/scan");
            s.StatusCodeShouldBe(202);
        });
        var jobId = (await result.Body()).GetProperty("jobId").GetString();
        using var connection = app.Host.Services.GetRequiredService<Hangfire.JobStorage>().GetConnection();
        connection.GetJobData(jobId).ShouldNotBeNull().Job.Type.ShouldBe(typeof(DuplicateScan));
    }
}
