using System.Text.Json;
using Alba;
using EventCrm.Audit;
using EventCrm.Infrastructure.Security;
using EventCrm.Tests.Customers;

namespace EventCrm.Tests.Audit;

/// <summary>Reads of a customer's profile, history, timeline and export are logged: who, when, what, through which route.</summary>
[Collection(AppCollection.Name)]
public class when_personal_data_is_read(AppFixture app)
{
    private static string NewUser(string who) => $"{who}-{Guid.NewGuid():N}"[..20];

    private Task<IScenarioResult> Read(string url, string user, string role, string? correlation = null) =>
        app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor(user, role));
            if (correlation is not null) s.WithRequestHeader("X-Correlation-Id", correlation);
            s.Get.Url(url);
            s.IgnoreStatusCode();
        });

    /// <summary>The access log's page for a query, once it holds <paramref name="expected"/> reads (they are written within a second).</summary>
    private async Task<JsonElement> Access(string query, int expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var page = await (await Read($"/api/audit/access?{query}", "audrey", Roles.Auditor)).Body();
            if (page.GetProperty("total").GetInt64() >= expected || DateTime.UtcNow > deadline) return page;
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task each_read_is_logged_with_who_what_when_and_the_route()
    {
        var customer = await app.Register(AppFixture.NewEmail("read"), name: "Rita Read");
        var (seller, auditor) = (NewUser("seller"), NewUser("auditor"));
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        (await Read($"/api/customers/{customer}", seller, Roles.Sales, correlation: "read-profile-1")).Context.Response.StatusCode.ShouldBe(200);
        (await Read($"/api/customers/{customer}/timeline", seller, Roles.Sales)).Context.Response.StatusCode.ShouldBe(200);
        (await Read($"/api/customers/{customer}/history", auditor, Roles.Auditor)).Context.Response.StatusCode.ShouldBe(200);
        (await Read($"/api/customers/{customer}/export", auditor, Roles.Auditor)).Context.Response.StatusCode.ShouldBe(200);

        var log = await Access($"subject={customer}", 4);
        var reads = log.GetProperty("items").EnumerateArray().Reverse().ToList();
        reads.Select(r => (r.GetProperty("what").GetString(), r.GetProperty("user").GetString(), r.GetProperty("route").GetString())).ShouldBe([
            ("profile", seller, "GET /api/customers/{customerId}"),
            ("timeline", seller, "GET /api/customers/{customerId}/timeline"),
            ("history", auditor, "GET /api/customers/{customerId}/history"),
            ("export", auditor, "GET /api/customers/{customerId}/export"),
        ]);
        reads.ShouldAllBe(r => r.GetProperty("subjectId").GetGuid() == customer && r.GetProperty("at").GetDateTimeOffset() > before);
        reads[0].GetProperty("correlationId").GetString().ShouldBe("read-profile-1");

        var bySeller = await Access($"user={seller}", 2);
        bySeller.GetProperty("total").GetInt64().ShouldBe(2);
        bySeller.GetProperty("items").EnumerateArray().ShouldAllBe(r => r.GetProperty("subjectId").GetGuid() == customer);
    }

    [Fact]
    public async Task a_subject_access_export_lists_who_read_the_data()
    {
        var customer = await app.Register(AppFixture.NewEmail("subject"), name: "Sam Subject");
        var reader = NewUser("reader");
        await Read($"/api/customers/{customer}", reader, Roles.Support);
        await Access($"subject={customer}", 1);

        var export = await (await Read($"/api/customers/{customer}/export", "dpo", Roles.Auditor)).Body();

        var reads = export.GetProperty("reads").EnumerateArray().ToList();
        reads.Count.ShouldBe(1);
        reads[0].GetProperty("user").GetString().ShouldBe(reader);
        reads[0].GetProperty("what").GetString().ShouldBe("profile");
    }

    [Fact]
    public async Task the_reads_are_sealed_like_every_event()
    {
        var customer = await app.Register(AppFixture.NewEmail("sealed-read"));
        await Read($"/api/customers/{customer}", NewUser("sealer"), Roles.Sales);
        var read = (await Access($"subject={customer}", 1)).GetProperty("items")[0];
        var sequence = read.GetProperty("sequence").GetInt64();

        await app.SealedUpTo(sequence);
        var report = await app.Verify(sequence, sequence);
        report.Ok.ShouldBeTrue();
        report.LeavesChecked.ShouldBe(1);
    }

    [Fact]
    public async Task a_read_of_nothing_is_not_logged_and_the_log_needs_a_subject_or_a_user()
    {
        var missing = Guid.NewGuid();
        (await Read($"/api/customers/{missing}", NewUser("nobody"), Roles.Sales)).Context.Response.StatusCode.ShouldBe(404);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        (await Access($"subject={missing}", 0)).GetProperty("total").GetInt64().ShouldBe(0);

        var problem = await (await Read("/api/audit/access", "audrey", Roles.Auditor)).ShouldBeProblem(400);
        problem.GetProperty("errors").TryGetProperty("subject", out _).ShouldBeTrue();
        await (await Read($"/api/audit/access?subject={missing}", "sam", Roles.Sales)).ShouldBeProblem(403);
    }
}
