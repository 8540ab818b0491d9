using System.Text.Json;
using EventCrm.Models;
using Hangfire;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventCrm.Tests.Models;

/// <summary>
/// A training of all the models at once (one read of the customers' history, fits side by side) gives each model
/// the run, data and version it gets trained alone at the same instant.
/// </summary>
[Collection(AppCollection.Name)]
public class when_models_are_trained_together(ModelsFixture models) : IClassFixture<ModelsFixture>
{
    /// <summary>A trainer on the fixture's store whose clock stands at one instant, so that two trainings share a horizon.</summary>
    private TrainModel Trainer(PausableClock clock)
    {
        var services = models.Host.Services;
        return new TrainModel(services.GetRequiredService<IDocumentStore>(), services.GetRequiredService<NpgsqlDataSource>(),
            services.GetRequiredService<ModelCatalog>(), services.GetRequiredService<CustomerHistories>(), clock,
            services.GetRequiredService<IBackgroundJobClient>(), services.GetRequiredService<ILogger<TrainModel>>());
    }

    /// <summary>What a version learned from what: everything but its number, timing, artifact's bytes and verdict.</summary>
    private static string Learned(ModelVersion v) => JsonSerializer.Serialize(new
    {
        v.Algorithm, v.DataCutoff, v.Rows, v.TrainRows, v.TestRows, v.Features, v.Metrics, v.Baseline, v.Explanation, v.LeftOut,
    });

    [Fact]
    public async Task each_model_learns_what_it_learns_alone_from_the_same_history()
    {
        var clock = new PausableClock();
        var trainer = Trainer(clock);
        var horizon = DateTimeOffset.UtcNow;
        TrainingRun[] runs = [.. ModelCatalog.Names.Select(m => new TrainingRun(m, ModelStreams.Run(m, Guid.NewGuid().ToString())))];

        TrainingOutcome together;
        using (clock.PauseAt(horizon))
            together = await trainer.Train(runs, "together-test", null, CancellationToken.None);

        together.Runs.Select(r => r.Run.Model).ShouldBe(ModelCatalog.Names);
        together.HistorySeconds.ShouldNotBeNull();
        foreach (var (run, card, own) in together.Runs)
        {
            var recorded = card.Runs.Single(r => r.RunId == run.RunId);
            recorded.StartedAt.ShouldBe(horizon);
            recorded.RequestedBy.ShouldBe("together-test");
            recorded.Status.ShouldBeOneOf(RunStatus.Activated, RunStatus.Rejected);
            own.ShouldNotBeNull();

            var alone = ModelStreams.Run(run.Model, Guid.NewGuid().ToString());
            ModelCard afterwards;
            using (clock.PauseAt(horizon))
                afterwards = await trainer.Train(run.Model, alone, null, "alone-test", null, CancellationToken.None);

            var trainedTogether = afterwards.Versions.Single(v => v.RunId == run.RunId);
            var trainedAlone = afterwards.Versions.Single(v => v.RunId == alone);
            trainedAlone.Version.ShouldBe(trainedTogether.Version + 1);
            Learned(trainedAlone).ShouldBe(Learned(trainedTogether), run.Model);
            trainedTogether.Rows.ShouldBeGreaterThan(InsufficientData.MinimumRows, run.Model);
        }
    }

    [Fact]
    public async Task a_retried_training_trains_again_only_the_runs_that_did_not_finish()
    {
        var trainer = models.Host.Services.GetRequiredService<TrainModel>();
        var key = Guid.NewGuid().ToString();
        var churn = new TrainingRun(ModelCatalog.Churn, ModelStreams.Run(ModelCatalog.Churn, key));
        var segments = new TrainingRun(ModelCatalog.Segments, ModelStreams.Run(ModelCatalog.Segments, key));
        await trainer.Train([churn], "retry-test", "job-7", CancellationToken.None);

        var retried = await trainer.Train([churn, segments], "retry-test", "job-7", CancellationToken.None);

        var (_, churnCard, churnOwn) = retried.Runs[0];
        churnCard.Versions.Count(v => v.RunId == churn.RunId).ShouldBe(1);
        churnOwn.ShouldBeNull();
        var (_, segmentsCard, segmentsOwn) = retried.Runs[1];
        segmentsCard.Versions.Count(v => v.RunId == segments.RunId).ShouldBe(1);
        segmentsCard.Runs.Single(r => r.RunId == segments.RunId).JobId.ShouldBe("job-7");
        segmentsOwn.ShouldNotBeNull();
    }
}
