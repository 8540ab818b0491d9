using Hangfire;
using Marten;
using Microsoft.ML;
using Weasel.Core;

namespace EventCrm.Models;

/// <summary>What the active customer models say about customers now.</summary>
public sealed class CustomerPredictor(ModelArtifacts artifacts, CustomerHistories histories, TimeProvider clock)
{
    private sealed class Regression { public float Score { get; set; } }
    private sealed class Classified { public float Probability { get; set; } }

    /// <summary>Scores for every active customer (or the one given, whatever its status); empty when no model is active.</summary>
    public async Task<(List<CustomerScore> Scores, Dictionary<string, int> Versions)> Score(Guid? only, CancellationToken cancellation)
    {
        var now = clock.GetUtcNow();
        var rows = (await histories.Load(only, now, cancellation)).Values.Where(h => !h.Gone)
            .Select(h => CustomerFeatures.Of(h, now)).OfType<CustomerFeatures>()
            .Where(r => only is not null || r.ActiveAtCutoff).ToList();
        var scores = rows.ToDictionary(r => r.CustomerId, r => new CustomerScore { Id = r.CustomerId, ScoredAt = now });
        var versions = new Dictionary<string, int>();
        var ml = artifacts.Context;
        var view = ml.Data.LoadFromEnumerable(rows);

        if (await artifacts.Active(ModelCatalog.Churn, cancellation) is { } churn)
        {
            versions[ModelCatalog.Churn] = churn.Version;
            foreach (var (row, p) in rows.Zip(ml.Data.CreateEnumerable<Classified>(churn.Model.Transform(view), reuseRowObject: false)))
                (scores[row.CustomerId].ChurnRisk, scores[row.CustomerId].ChurnVersion) = (Math.Round(p.Probability, 4), churn.Version);
        }
        if (await artifacts.Active(ModelCatalog.HighValue, cancellation) is { } high)
        {
            versions[ModelCatalog.HighValue] = high.Version;
            foreach (var (row, p) in rows.Zip(ml.Data.CreateEnumerable<Classified>(high.Model.Transform(view), reuseRowObject: false)))
                (scores[row.CustomerId].HighValueProbability, scores[row.CustomerId].HighValueVersion) = (Math.Round(p.Probability, 4), high.Version);
        }
        if (await artifacts.Active(ModelCatalog.PurchaseAmount, cancellation) is { } amount)
        {
            versions[ModelCatalog.PurchaseAmount] = amount.Version;
            foreach (var (row, p) in rows.Zip(ml.Data.CreateEnumerable<Regression>(amount.Model.Transform(view), reuseRowObject: false)))
                (scores[row.CustomerId].ExpectedSpend90, scores[row.CustomerId].PurchaseAmountVersion) = (Math.Round(Math.Max(0, p.Score), 2), amount.Version);
        }
        if (await artifacts.Active(ModelCatalog.Segments, cancellation) is { } segments)
        {
            versions[ModelCatalog.Segments] = segments.Version;
            var names = segments.Card.Active!.Explanation.Segments!.ToDictionary(s => s.Segment, s => s.Name);
            foreach (var row in rows) SegmentModel.Segmentable(row);
            var assigned = ml.Data.CreateEnumerable<SegmentModel.Assignment>(segments.Model.Transform(ml.Data.LoadFromEnumerable(rows)), reuseRowObject: false);
            foreach (var (row, a) in rows.Zip(assigned))
            {
                var score = scores[row.CustomerId];
                (score.Segment, score.SegmentName, score.SegmentsVersion) = ((int)a.PredictedLabel, names.GetValueOrDefault((int)a.PredictedLabel), segments.Version);
            }
        }
        return ([.. scores.Values], versions);
    }
}

/// <summary>The job that rewrites every customer's scores after a new version is activated (and on request).</summary>
public sealed class ScoreCustomers(IDocumentStore store, CustomerPredictor predictor, TimeProvider clock, ILogger<ScoreCustomers> logger)
{
    public const string JobId = "score-customers";

    [JobDisplayName("Score customers")]
    [DisableConcurrentExecution(timeoutInSeconds: 600)]
    [AutomaticRetry(Attempts = 2)]
    public async Task Run(CancellationToken cancellation)
    {
        var (scores, versions) = await predictor.Score(null, cancellation);
        if (versions.Count == 0) return;
        var started = scores.Count == 0 ? clock.GetUtcNow() : scores[0].ScoredAt;
        await store.BulkInsertAsync(scores, BulkInsertMode.OverwriteExisting, batchSize: 5_000, cancellation);

        await using var session = store.LightweightSession();
        // Customers no longer active keep no stale score.
        session.DeleteWhere<CustomerScore>(s => s.ScoredAt < started);
        session.LastModifiedBy = "scheduler";
        // Locked as a training run locks them: each card is projected inline, and a run finishing alongside would
        // otherwise lose its version, or this its scores.
        foreach (var (model, version) in versions)
            (await session.Events.FetchForExclusiveWriting<ModelCard>(ModelStreams.Of(model), cancellation))
                .AppendOne(new ModelScoredCustomers(version, scores.Count, clock.GetUtcNow()));
        await session.SaveChangesAsync(cancellation);
        logger.LogInformation("Scored {Customers} customers with {Versions}", scores.Count, string.Join(", ", versions.Select(v => $"{v.Key} v{v.Value}")));
    }
}
