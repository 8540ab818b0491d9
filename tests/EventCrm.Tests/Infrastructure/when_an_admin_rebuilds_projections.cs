using Alba;
using EventCrm.Infrastructure.Projections;
using EventCrm.Infrastructure.Security;
using EventCrm.Tests.Customers;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace EventCrm.Tests.Infrastructure;

[Collection(AppCollection.Name)]
public class when_an_admin_rebuilds_projections(AppFixture app)
{
    [Fact]
    public async Task the_projections_are_listed()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("root", Roles.Admin));
            s.Get.Url("/api/admin/projections");
        });
        (await result.Body()).EnumerateArray().Select(p => p.GetString()).ShouldContain("CustomerProfile");
    }

    [Fact]
    public async Task a_rebuild_is_queued_as_a_job_and_the_job_reproduces_the_read_models()
    {
        var id = await app.RegisterWith(new { name = "Queued Rebuild", email = AppFixture.NewEmail(), age = 33, country = "IE" });
        await app.Succeed(id, "purchases", new { version = 1, amount = 3m, currency = "EUR", product = "Tea", category = "Food" });

        var accepted = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("root", Roles.Admin));
            s.Post.Json(new { projection = "CustomerProfile" }).ToUrl("/api/admin/projections/rebuild");
            s.StatusCodeShouldBe(202);
        });
        var body = await accepted.Body();
        var jobId = body.GetProperty("jobId").GetString()!;
        body.GetProperty("projections").EnumerateArray().Select(p => p.GetString()).ShouldBe(["CustomerProfile"]);

        // The job is in Hangfire's storage, waiting for a server (tests run none): run it here instead.
        using (var connection = app.Host.Services.GetRequiredService<JobStorage>().GetConnection())
            connection.GetJobData(jobId).ShouldNotBeNull().Job.Type.ShouldBe(typeof(RebuildProjections));

        var before = await app.StoredProfiles();
        await app.Host.Services.GetRequiredService<RebuildProjections>().Run(["CustomerProfile"], CancellationToken.None);
        var after = await app.StoredProfiles();

        after.ShouldBe(before);
        after.ShouldContainKey(id);
    }

    [Fact]
    public async Task an_unknown_projection_is_a_400_and_non_admins_are_refused()
    {
        var unknown = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("root", Roles.Admin));
            s.Post.Json(new { projection = "NoSuchThing" }).ToUrl("/api/admin/projections/rebuild");
            s.IgnoreStatusCode();
        });
        await unknown.ShouldBeProblem(400);

        var forbidden = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("audrey", Roles.Auditor));
            s.Post.Json(new { }).ToUrl("/api/admin/projections/rebuild");
            s.IgnoreStatusCode();
        });
        await forbidden.ShouldBeProblem(403);
    }
}
