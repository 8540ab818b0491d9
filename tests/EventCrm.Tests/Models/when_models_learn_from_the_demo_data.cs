using System.Text.Json;
using EventCrm.Infrastructure.Storage;
using EventCrm.Models;
using EventCrm.Sales;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace EventCrm.Tests.Models;

[Collection(AppCollection.Name)]
public class when_models_learn_from_the_demo_data(ModelsFixture models, ITestOutputHelper output) : IClassFixture<ModelsFixture>
{
    private static double Metric(JsonElement version, string name, string part = "metrics") => version.GetProperty(part).GetProperty(name).GetDouble();

    [Fact]
    public async Task churn_beats_its_base_rate()
    {
        var active = (await models.Active(ModelCatalog.Churn)).GetProperty("active");

        output.WriteLine($"churn: AUC {Metric(active, "auc"):0.###}, log-loss {Metric(active, "logLoss"):0.###} (base rate {Metric(active, "logLoss", "baseline"):0.###}), rows {active.GetProperty("rows").GetInt32()}");
        Metric(active, "auc").ShouldBeGreaterThan(0.6);
        Metric(active, "logLoss").ShouldBeLessThan(Metric(active, "logLoss", "baseline"));
        Metric(active, "accuracy").ShouldBeGreaterThanOrEqualTo(Metric(active, "accuracy", "baseline"));
        active.GetProperty("explanation").GetProperty("weights").TryGetProperty("RecencyDays", out _).ShouldBeTrue();
        active.GetProperty("dataCutoff").GetDateTimeOffset().ShouldBe(DateTimeOffset.UtcNow.AddDays(-180), TimeSpan.FromMinutes(10));
    }

    [Fact]
    public async Task the_win_model_beats_its_base_rate_and_weighs_the_forecast()
    {
        var card = await models.Active(ModelCatalog.OpportunityWin);
        var active = card.GetProperty("active");
        output.WriteLine($"opportunity-win: AUC {Metric(active, "auc"):0.###}, log-loss {Metric(active, "logLoss"):0.###} (base rate {Metric(active, "logLoss", "baseline"):0.###}), rows {active.GetProperty("rows").GetInt32()}");
        Metric(active, "auc").ShouldBeGreaterThan(0.6);
        Metric(active, "logLoss").ShouldBeLessThan(Metric(active, "logLoss", "baseline"));

        var version = active.GetProperty("version").GetInt32();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var forecast = await models.Get($"/api/reports/forecast?from={today:yyyy-MM-dd}&to={today.AddDays(365):yyyy-MM-dd}");
        forecast.GetProperty("weightedBy").GetString().ShouldBe($"opportunity-win version {version}");

        var database = models.Host.Services.GetRequiredService<NpgsqlDataSource>();
        await using var command = database.CreateCommand(
            $"select id from {models.Host.Services.GetRequiredService<StoreNames>().Table<SalesPipelineEntry>()} where (data ->> '{StoreNames.Json<SalesPipelineEntry>(e => e.IsOpen)}')::boolean limit 1");
        var open = (Guid)(await command.ExecuteScalarAsync())!;
        var probability = await models.Get($"/api/opportunities/{open}/win-probability");
        probability.GetProperty("prediction").GetProperty("model").GetString().ShouldBe(ModelCatalog.OpportunityWin);
        probability.GetProperty("prediction").GetProperty("version").GetInt32().ShouldBe(version);
        probability.GetProperty("prediction").GetProperty("value").GetDouble().ShouldBeInRange(0, 1);
    }

    [Fact]
    public async Task a_deliberately_worse_model_is_rejected_and_the_active_one_stays()
    {
        var before = (await models.Active(ModelCatalog.Churn)).GetProperty("active").GetProperty("version").GetInt32();

        var run = await models.Train(ModelCatalog.Churn, ["Country"]);

        run.GetProperty("status").GetString().ShouldBe("rejected", run.GetRawText());
        run.GetProperty("outcome").GetString()!.ShouldMatch("clearly worse|base rate|mean predictor|one segment|chance");
        var card = await models.Get($"/api/models/{ModelCatalog.Churn}");
        card.GetProperty("active").GetProperty("version").GetInt32().ShouldBe(before);
        var rejected = card.GetProperty("versions").EnumerateArray().Single(v => v.GetProperty("version").GetInt32() == run.GetProperty("version").GetInt32());
        rejected.GetProperty("activated").GetBoolean().ShouldBeFalse();
        rejected.GetProperty("features").EnumerateArray().Select(f => f.GetString()).ShouldBe(["Country"]);
    }

    [Fact]
    public async Task the_recurring_jobs_are_registered_with_their_schedules()
    {
        using var connection = models.Host.Services.GetRequiredService<JobStorage>().GetConnection();

        var jobs = connection.GetRecurringJobs().ToDictionary(j => j.Id, j => j.Cron);

        // Churn on a schedule of its own; the others on the default one, trained together by one job.
        jobs[ModelStorage.JobId(ModelCatalog.Churn)].ShouldBe(ModelsFixture.ChurnSchedule);
        jobs[ModelStorage.JobId(Together)].ShouldBe(ModelStorage.DefaultSchedules[ModelCatalog.Segments]);
        jobs.Keys.Where(id => id.StartsWith("train-")).ShouldBe([ModelStorage.JobId(ModelCatalog.Churn), ModelStorage.JobId(Together)], ignoreOrder: true);
    }

    /// <summary>The models on the default schedule in the fixture (churn has one of its own).</summary>
    private static readonly string[] Together = [.. ModelCatalog.Names.Except([ModelCatalog.Churn])];

    [Fact]
    public void a_change_of_schedules_leaves_no_training_under_the_old_grouping()
    {
        var manager = models.Host.Services.GetRequiredService<IRecurringJobManager>();
        using var connection = models.Host.Services.GetRequiredService<JobStorage>().GetConnection();
        var configuration = models.Host.Services.GetRequiredService<IConfiguration>();
        try
        {
            ModelStorage.ScheduleTrainings(manager, new ConfigurationBuilder().Build());

            var jobs = connection.GetRecurringJobs().Where(j => j.Id.StartsWith("train-")).ToDictionary(j => j.Id, j => j.Cron);
            jobs.ShouldBe(new Dictionary<string, string> { ["train-all"] = "0 2 * * *" });
        }
        finally
        {
            ModelStorage.ScheduleTrainings(manager, configuration);
        }
        connection.GetRecurringJobs().Select(j => j.Id).Where(id => id.StartsWith("train-"))
            .ShouldBe([ModelStorage.JobId(ModelCatalog.Churn), ModelStorage.JobId(Together)], ignoreOrder: true);
    }

    [Fact]
    public async Task a_scheduled_run_goes_through_hangfire_to_an_activated_version()
    {
        var before = (await models.Get($"/api/models/{ModelCatalog.Segments}")).GetProperty("versions").GetArrayLength();

        var jobId = models.Host.Services.GetRequiredService<IRecurringJobManagerV2>().TriggerJob(ModelStorage.JobId(Together));

        var run = await models.RunOf(ModelCatalog.Segments, r => r.GetProperty("jobId").GetString() == jobId);
        run.GetProperty("status").GetString().ShouldBe("activated", run.GetRawText());
        run.GetProperty("requestedBy").GetString().ShouldBe("scheduler");
        // The job trained the other models on that schedule too, each its own run of the same start.
        foreach (var model in Together.Except([ModelCatalog.Segments]))
        {
            var other = await models.RunOf(model, r => r.GetProperty("jobId").GetString() == jobId);
            other.GetProperty("status").GetString().ShouldBeOneOf("activated", "rejected");
            other.GetProperty("startedAt").GetDateTimeOffset().ShouldBe(run.GetProperty("startedAt").GetDateTimeOffset());
        }
        var card = await models.Get($"/api/models/{ModelCatalog.Segments}");
        card.GetProperty("versions").GetArrayLength().ShouldBe(before + 1);
        card.GetProperty("active").GetProperty("version").GetInt32().ShouldBe(run.GetProperty("version").GetInt32());
        var segments = card.GetProperty("active").GetProperty("explanation").GetProperty("segments").EnumerateArray().ToList();
        segments.Count.ShouldBe(4);
        segments.Select(s => s.GetProperty("name").GetString()).Distinct().Count().ShouldBe(4);
        segments.Sum(s => s.GetProperty("customers").GetInt32()).ShouldBe(card.GetProperty("active").GetProperty("rows").GetInt32());
        output.WriteLine(string.Join("; ", segments.Select(s => $"{s.GetProperty("name").GetString()} ({s.GetProperty("customers").GetInt32()})")));
    }

    [Fact]
    public async Task scores_and_predictions_name_the_model_version_that_made_them()
    {
        var churn = (await models.Active(ModelCatalog.Churn)).GetProperty("active").GetProperty("version").GetInt32();
        await models.Active(ModelCatalog.HighValue);
        await models.Host.Services.GetRequiredService<ScoreCustomers>().Run(CancellationToken.None);

        var risky = await models.Get("/api/customers?minChurnRisk=0.5&pageSize=5");
        risky.GetProperty("total").GetInt64().ShouldBeGreaterThan(0);
        var customer = risky.GetProperty("items")[0].GetProperty("id").GetGuid();
        var predictions = (await models.Get($"/api/customers/{customer}/predictions")).GetProperty("predictions").EnumerateArray()
            .ToDictionary(p => p.GetProperty("model").GetString()!);
        predictions[ModelCatalog.Churn].GetProperty("version").GetInt32().ShouldBe(churn);
        predictions[ModelCatalog.Churn].GetProperty("value").GetDouble().ShouldBeGreaterThanOrEqualTo(0.45);
        predictions.ShouldContainKey(ModelCatalog.HighValue);

        var database = models.Host.Services.GetRequiredService<NpgsqlDataSource>();
        await using var command = database.CreateCommand(
            $"select count(*), count(*) filter (where (data ->> '{StoreNames.Json<CustomerScore>(s => s.ChurnVersion)}')::int = $1) from {models.Host.Services.GetRequiredService<StoreNames>().Table<CustomerScore>()}");
        command.Parameters.AddWithValue(churn);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        reader.GetInt64(0).ShouldBeGreaterThan(500);
        reader.GetInt64(1).ShouldBe(reader.GetInt64(0));
        var card = await models.Get($"/api/models/{ModelCatalog.Churn}");
        card.GetProperty("lastScoredVersion").GetInt32().ShouldBe(churn);
    }

    [Fact]
    public async Task a_retried_run_makes_no_second_version()
    {
        var trainer = models.Host.Services.GetRequiredService<TrainModel>();
        var runId = ModelStreams.Run(ModelCatalog.PurchaseAmount, Guid.NewGuid().ToString());

        var first = await trainer.Train(ModelCatalog.PurchaseAmount, runId, null, "retry-test", "job-1", CancellationToken.None);
        var again = await trainer.Train(ModelCatalog.PurchaseAmount, runId, null, "retry-test", "job-1", CancellationToken.None);

        again.Versions.Count.ShouldBe(first.Versions.Count);
        again.Versions.Count(v => v.RunId == runId).ShouldBe(1);
        var version = again.Versions.Single(v => v.RunId == runId);
        output.WriteLine($"purchase-amount: R² {version.Metrics["rSquared"]:0.###}, RMSE {version.Metrics["rmse"]:0.##} (mean predictor {version.Baseline["rmse"]:0.##})");
        version.Explanation.Intercept.ShouldNotBeNull();
    }

    [Fact]
    public async Task a_finished_run_leaves_the_model_free_for_the_next_on_any_node()
    {
        var trainer = models.Host.Services.GetRequiredService<TrainModel>();
        await trainer.Train(ModelCatalog.Segments, ModelStreams.Run(ModelCatalog.Segments, Guid.NewGuid().ToString()), null, "lock-test", null, CancellationToken.None);

        // Another connection, as another node would: the model's lock must be free at once, not when the
        // pooled connection that held it happens to be reused.
        await using var other = new NpgsqlConnection(Environment.GetEnvironmentVariable("CRM_MODELS_CONNECTION") + ";Pooling=false");
        await other.OpenAsync();
        await using var take = new NpgsqlCommand("select pg_try_advisory_lock(hashtext('eventcrm.model.segments'))", other);
        ((bool)(await take.ExecuteScalarAsync())!).ShouldBeTrue();
    }

    [Fact]
    public async Task high_value_is_explained_by_feature_importance()
    {
        var active = (await models.Active(ModelCatalog.HighValue)).GetProperty("active");

        output.WriteLine($"high-value: AUC {Metric(active, "auc"):0.###} (base rate logloss {Metric(active, "logLoss", "baseline"):0.###})");
        var importance = active.GetProperty("explanation").GetProperty("importance").EnumerateObject().ToList();
        importance.Sum(i => i.Value.GetDouble()).ShouldBe(1, 0.001);
        Metric(active, "auc").ShouldBeGreaterThan(0.6);
    }

    [Fact]
    public async Task analysts_break_customers_and_revenue_down_by_segment()
    {
        await models.Active(ModelCatalog.Segments);
        await models.Host.Services.GetRequiredService<ScoreCustomers>().Run(CancellationToken.None);
        var card = await models.Get($"/api/models/{ModelCatalog.Segments}");
        var scored = card.GetProperty("lastScoredVersion").GetInt32();
        var names = card.GetProperty("versions").EnumerateArray().Single(v => v.GetProperty("version").GetInt32() == scored)
            .GetProperty("explanation").GetProperty("segments").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ToHashSet();

        var everyone = (await models.Get("/api/analytics/customers/describe?fields=totalSpent"))
            .GetProperty("groups")[0].GetProperty("fields").GetProperty("totalSpent").GetProperty("count").GetInt64();
        var groups = (await models.Get("/api/analytics/customers/describe?fields=totalSpent&groupBy=segment")).GetProperty("groups")
            .EnumerateArray().ToDictionary(g => g.GetProperty("group").GetString() ?? "(none)",
                g => g.GetProperty("fields").GetProperty("totalSpent").GetProperty("count").GetInt64());
        output.WriteLine(string.Join("; ", groups.Select(g => $"{g.Key}: {g.Value}")));
        groups.Keys.Where(k => k != "(none)").ShouldBeSubsetOf(names.Select(n => n!));
        groups.Keys.Count(k => k != "(none)").ShouldBe(names.Count);
        groups.Values.Sum().ShouldBe(everyone);

        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var revenue = await models.Get($"/api/analytics/revenue/breakdown?by=segment&from={today.AddYears(-1):yyyy-MM-dd}&to={today:yyyy-MM-dd}");
        var rows = revenue.GetProperty("rows").EnumerateArray().ToList();
        rows.Where(r => r.GetProperty("key").GetString() is not null).Select(r => r.GetProperty("key").GetString()!).ShouldBeSubsetOf(names.Select(n => n!));
        rows.Sum(r => r.GetProperty("revenue").GetDecimal()).ShouldBe(revenue.GetProperty("total").GetDecimal());
    }
}
