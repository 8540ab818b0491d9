using Alba;
using EventCrm.Infrastructure.Security;
using EventCrm.Models;
using Hangfire;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace EventCrm.Tests.Models;

[Collection(AppCollection.Name)]
public class when_a_training_is_requested(AppFixture app)
{
    [Fact]
    public async Task the_job_is_queued_through_the_outbox_after_the_request_is_stored()
    {
        var result = await app.ScenarioAndWait(s =>
        {
            s.WithBearerToken(app.TokenFor("tess", Roles.Admin));
            s.Post.Json(new { }).ToUrl($"/api/models/{ModelCatalog.Churn}/train");
            s.StatusCodeShouldBe(202);
        });
        var runId = (await result.Body()).GetProperty("runId").GetGuid();

        await using var session = app.Store.QuerySession();
        var requested = (await session.Events.FetchStreamAsync(ModelStreams.Of(ModelCatalog.Churn)))
            .Single(e => e.Data is ModelTrainingRequested r && r.RunId == runId);

        // Tests run no Hangfire server: the job waits in the queue, naming the run the request recorded.
        var queued = app.Host.Services.GetRequiredService<JobStorage>().GetMonitoringApi().EnqueuedJobs("default", 0, 1000)
            .Select(j => j.Value)
            .Where(j => j.Job?.Type == typeof(TrainModel) && ModelStreams.Run((string)j.Job.Args[0], (string)j.Job.Args[1]) == runId)
            .ToList();
        var job = queued.ShouldHaveSingleItem();
        job.Job.Args[3].ShouldBe("tess");
        job.EnqueuedAt.ShouldNotBeNull();
        // Queued by the message handler once the request's transaction had committed, never before it.
        new DateTimeOffset(DateTime.SpecifyKind(job.EnqueuedAt!.Value, DateTimeKind.Utc)).ShouldBeGreaterThanOrEqualTo(requested.Timestamp);
    }
}
