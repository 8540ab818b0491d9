using System.Diagnostics;
using System.Security.Cryptography;
using EventCrm.Infrastructure.Http;
using Hangfire;
using Hangfire.Server;
using JasperFx;
using Marten;
using Npgsql;

namespace EventCrm.Models;

/// <summary>
/// One training run of one model, as a Hangfire job: snapshot the data, fit, evaluate against the baseline
/// and the active version, store the artifact and record the version with its verdict in one transaction.
/// A retried job is the same run (its id comes from the job id) and never makes a second version; an
/// advisory lock lets only one training per model run at a time, on any node.
/// </summary>
public sealed class TrainModel(IDocumentStore store, NpgsqlDataSource database, ModelCatalog catalog, TimeProvider clock,
    IBackgroundJobClient jobs, ILogger<TrainModel> logger)
{
    [JobDisplayName("Train model {0}")]
    [AutomaticRetry(Attempts = 2)]
    public async Task Run(string model, string? runKey, string[]? features, string? requestedBy, PerformContext? context,
        CancellationToken cancellation)
    {
        var key = runKey ?? context?.BackgroundJob.Id ?? Guid.NewGuid().ToString();
        await Train(model, ModelStreams.Run(model, key), features, requestedBy, context?.BackgroundJob.Id, cancellation);
    }

    /// <summary>Runs the training and answers the model's card afterwards.</summary>
    public async Task<ModelCard> Train(string model, Guid runId, IReadOnlyList<string>? features, string? requestedBy, string? jobId,
        CancellationToken cancellation)
    {
        var definition = catalog.Find(model) ?? throw new ArgumentException($"No model '{model}'.", nameof(model));
        var streamId = ModelStreams.Of(model);

        // Held for the whole run on its own connection: a second run of the same model waits here. A session's
        // lock outlives the connection's return to the pool, so it is released explicitly, whatever happens.
        await using var lockConnection = await database.OpenConnectionAsync(cancellation);
        await using (var take = new NpgsqlCommand("select pg_advisory_lock(hashtext($1))", lockConnection))
        {
            take.Parameters.AddWithValue($"eventcrm.model.{model}");
            await take.ExecuteNonQueryAsync(cancellation);
        }
        try
        {
            var card = await Card(streamId, cancellation);
            if (card?.Runs.FirstOrDefault(r => r.RunId == runId) is { Status: RunStatus.Activated or RunStatus.Rejected })
                return card; // this run already produced its version: a retry does nothing

            // The run's start is its horizon: it reads nothing recorded after this instant.
            var started = clock.GetUtcNow();
            await Append(streamId, requestedBy, jobId, runId, new ModelTrainingStarted(model, runId, jobId, features, started), cancellation);
            var watch = Stopwatch.StartNew();
            try
            {
                var fitted = await definition.Train(new TrainingRequest(started, features), cancellation);
                var bytes = Learning.Save(Learning.Context(), fitted.Model, fitted.InputSchema);
                var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
                card = (await Card(streamId, cancellation))!;
                var version = card.Versions.Count == 0 ? 1 : card.Versions.Max(v => v.Version) + 1;
                var rejection = ModelCatalog.Gate(definition.Kind, fitted.Metrics, fitted.Baseline, card.Active);

                await using var session = Session(requestedBy, jobId, runId);
                // The advisory lock makes this the only writer of versions; requests may still append alongside.
                var stream = await session.Events.FetchForExclusiveWriting<ModelCard>(streamId, cancellation);
                var now = clock.GetUtcNow();
                stream.AppendOne(new ModelTrained(runId, version, definition.Kind, fitted.Algorithm, fitted.DataCutoff, fitted.Rows, fitted.TrainRows,
                    fitted.TestRows, fitted.Features, fitted.Metrics, fitted.Baseline, fitted.Explanation, Math.Round(watch.Elapsed.TotalSeconds, 3), sha, now, fitted.LeftOut));
                stream.AppendOne(rejection is null
                    ? new ModelActivated(version, card.Active is null ? "Beats its baseline; the first active version." : $"Beats its baseline and is not worse than version {card.Active.Version}.", now)
                    : new ModelRejected(version, rejection, now));
                ModelArtifacts.Store(session, model, version, bytes, sha);
                await session.SaveChangesAsync(cancellation);
                logger.LogInformation("Model {Model} version {Version} trained in {Seconds:F1} s: {Verdict}", model, version,
                    watch.Elapsed.TotalSeconds, rejection ?? "activated");

                if (rejection is null && ModelCatalog.CustomerModels.Contains(model))
                    jobs.Enqueue<ScoreCustomers>(job => job.Run(CancellationToken.None));
            }
            catch (InsufficientData insufficient)
            {
                // Retrying cannot help until the data changes: record why and end the job.
                await Append(streamId, requestedBy, jobId, runId,
                    new ModelTrainingFailed(runId, insufficient.Message, clock.GetUtcNow(), insufficient.LeftOut), CancellationToken.None);
                logger.LogWarning("Model {Model} was not trained: {Reason}", model, insufficient.Message);
            }
            catch (Exception failure) when (failure is not OperationCanceledException and not ConcurrencyException)
            {
                await Append(streamId, requestedBy, jobId, runId, new ModelTrainingFailed(runId, failure.Message, clock.GetUtcNow()), CancellationToken.None);
                throw;
            }
            return (await Card(streamId, cancellation))!;
        }
        finally
        {
            await using var release = new NpgsqlCommand("select pg_advisory_unlock(hashtext($1))", lockConnection);
            release.Parameters.AddWithValue($"eventcrm.model.{model}");
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private async Task<ModelCard?> Card(Guid streamId, CancellationToken cancellation)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<ModelCard>(streamId, cancellation);
    }

    /// <summary>
    /// Appends to the model's stream holding its lock: the card is projected inline from what the session read, so
    /// two writers (this run, the scoring job) that both read it before either committed would lose a change.
    /// </summary>
    private async Task Append(Guid streamId, string? user, string? jobId, Guid runId, object e, CancellationToken cancellation)
    {
        await using var session = Session(user, jobId, runId);
        var stream = await session.Events.FetchForExclusiveWriting<ModelCard>(streamId, cancellation);
        stream.AppendOne(e);
        await session.SaveChangesAsync(cancellation);
    }

    private IDocumentSession Session(string? user, string? jobId, Guid? runId)
    {
        var session = store.LightweightSession();
        session.LastModifiedBy = user ?? "scheduler";
        session.CorrelationId = runId?.ToString() ?? jobId;
        session.SetHeader(CommandMetadata.SourceHeader, jobId is null ? "models" : $"job:{jobId}");
        return session;
    }
}
