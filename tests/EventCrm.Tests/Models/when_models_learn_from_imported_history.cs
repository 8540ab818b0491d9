using System.Text.Json;
using EventCrm.Models;
using Xunit.Abstractions;

namespace EventCrm.Tests.Models;

/// <summary>
/// Customers brought in from elsewhere without registration dates, with two years of purchases: they are
/// customers since they first bought, so every model has history to learn from.
/// </summary>
[Collection(AppCollection.Name)]
public class when_models_learn_from_imported_history(ImportedHistoryFixture imported, ITestOutputHelper output)
    : IClassFixture<ImportedHistoryFixture>
{
    private static double Metric(JsonElement version, string name, string part = "metrics") =>
        version.GetProperty(part).GetProperty(name).GetDouble();

    private async Task<JsonElement> Version(string model, JsonElement run)
    {
        var card = await imported.Get($"/api/models/{model}");
        return card.GetProperty("versions").EnumerateArray().Single(v => v.GetProperty("runId").GetGuid() == run.GetProperty("runId").GetGuid());
    }

    [Fact]
    public async Task every_model_trained_through_hangfire_is_activated_and_beats_its_baseline_on_held_out_rows()
    {
        var runs = await imported.TrainAll();
        output.WriteLine(string.Join(", ", imported.Timings.Select(t => $"{t.Key} {t.Value.TotalSeconds:0.0} s")));

        foreach (var model in ModelCatalog.Names)
        {
            var run = runs[model];
            run.GetProperty("status").GetString().ShouldBe("activated", $"{model}: {run.GetRawText()}");
            run.GetProperty("jobId").GetString().ShouldNotBeNullOrEmpty();
            var version = await Version(model, run);
            version.GetProperty("activated").GetBoolean().ShouldBeTrue();
            version.GetProperty("testRows").GetInt32().ShouldBeGreaterThan(0);
            output.WriteLine($"{model}: {string.Join(", ", version.GetProperty("metrics").EnumerateObject().Select(m => $"{m.Name} {m.Value.GetDouble():0.###}"))}" +
                             $" (baseline {string.Join(", ", version.GetProperty("baseline").EnumerateObject().Select(m => $"{m.Name} {m.Value.GetDouble():0.###}"))});" +
                             $" rows {version.GetProperty("rows").GetInt32()}");
            switch (model)
            {
                case ModelCatalog.PurchaseAmount:
                    Metric(version, "rmse").ShouldBeLessThan(Metric(version, "rmse", "baseline"));
                    Metric(version, "rSquared").ShouldBeGreaterThan(Metric(version, "rSquared", "baseline"));
                    break;
                case ModelCatalog.Segments:
                    Metric(version, "averageDistance").ShouldBeLessThan(Metric(version, "averageDistance", "baseline"));
                    Metric(version, "emptySegments").ShouldBe(0);
                    break;
                default:
                    Metric(version, "auc").ShouldBeGreaterThan(Metric(version, "auc", "baseline"));
                    Metric(version, "logLoss").ShouldBeLessThan(Metric(version, "logLoss", "baseline"));
                    break;
            }
        }
    }

    [Fact]
    public async Task customers_are_customers_since_they_first_bought_and_the_report_says_who_was_left_out_and_why()
    {
        var runs = await imported.TrainAll();
        var people = imported.History.People;

        foreach (var model in new[] { ModelCatalog.Churn, ModelCatalog.HighValue, ModelCatalog.PurchaseAmount })
        {
            var version = await Version(model, runs[model]);
            var cutoff = version.GetProperty("dataCutoff").GetDateTimeOffset();
            var leftOut = version.GetProperty("leftOut").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());

            // By hand, from the files: a customer by the cutoff is one who had bought by then.
            version.GetProperty("rows").GetInt32().ShouldBe(people.Count(p => p.FirstPurchaseAt <= cutoff), model);
            leftOut.GetValueOrDefault(LeftOutReasons.NoPurchases).ShouldBe(people.Count(p => p.Purchases.Count == 0), model);
            leftOut.GetValueOrDefault(LeftOutReasons.RegisteredAfterCutoff).ShouldBe(people.Count(p => p.FirstPurchaseAt > cutoff), model);
            leftOut.Keys.Except([LeftOutReasons.NoPurchases, LeftOutReasons.RegisteredAfterCutoff]).ShouldBeEmpty(model);
            runs[model].GetProperty("leftOut").GetRawText().ShouldBe(version.GetProperty("leftOut").GetRawText());
        }

        // Segments describe today's customers: everyone imported is one, bought or not.
        var segments = await Version(ModelCatalog.Segments, runs[ModelCatalog.Segments]);
        segments.GetProperty("rows").GetInt32().ShouldBe(ImportedHistoryFixture.Customers);
        segments.GetProperty("leftOut").EnumerateObject().ShouldBeEmpty();

        var win = await Version(ModelCatalog.OpportunityWin, runs[ModelCatalog.OpportunityWin]);
        win.GetProperty("rows").GetInt32().ShouldBe(ImportedHistoryFixture.Opportunities);
        win.GetProperty("leftOut").GetProperty(LeftOutReasons.StillOpen).GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task tenure_counts_from_the_first_purchase_though_every_registration_is_the_import()
    {
        var people = imported.History.People;

        // All registered on the day of the import (no date was given)...
        var before = DateTimeOffset.UtcNow;
        var described = await imported.Get($"/api/analytics/customers/describe?fields=tenureDays&registeredFrom={imported.History.Until:yyyy-MM-dd}");
        var after = DateTimeOffset.UtcNow;

        // ...yet each has been a customer since its first purchase (those who never bought: since the import, today).
        var tenure = described.GetProperty("groups")[0].GetProperty("fields").GetProperty("tenureDays");
        tenure.GetProperty("count").GetInt64().ShouldBe(ImportedHistoryFixture.Customers);
        double Mean(DateTimeOffset now) => people.Average(p => p.FirstPurchaseAt is { } first ? Math.Floor((now - first).TotalDays) : 0);
        tenure.GetProperty("mean").GetDouble().ShouldBeInRange(Mean(before) - 1e-9, Mean(after) + 1e-9);
        double Longest(DateTimeOffset now) => people.Where(p => p.FirstPurchaseAt is not null).Max(p => Math.Floor((now - p.FirstPurchaseAt!.Value).TotalDays));
        tenure.GetProperty("max").GetDouble().ShouldBeInRange(Longest(before), Longest(after));
        tenure.GetProperty("max").GetDouble().ShouldBeGreaterThan(700);
        tenure.GetProperty("min").GetDouble().ShouldBe(0);
    }
}
