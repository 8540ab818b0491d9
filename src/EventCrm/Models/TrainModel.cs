using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using EventCrm.Infrastructure.Http;
using Hangfire;
using Hangfire.Server;
using JasperFx;
using Marten;
using Npgsql;

namespace EventCrm.Models;

/// <summary>One model's run within a training: which model, its run id, and optionally fewer features.</summary>
public sealed record TrainingRun(string Model, Guid RunId, IReadOnlyList<string>? Features = null);

/// <summary>
/// What a training of one or more models came to: each run's card afterwards with the seconds of the model's own
/// work (features, fit, evaluation, storing: null when it did not run), and, once, the seconds the customers'
/// history took to read and the seconds of the whole training.
/// </summary>
public sealed record TrainingOutcome(IReadOnlyList<(TrainingRun Run, ModelCard Card, double? OwnSeconds)> Runs, double? HistorySeconds,
    double Seconds);

/// <summary>
/// Training runs as Hangfire jobs: snapshot the data, fit, evaluate against the baseline and the active version,
/// store the artifact and record the version with its verdict in one transaction. A retried job is the same run
/// (its id comes from the job id) and never makes a second version; an advisory lock lets only one training per
/// model run at a time, on any node. Models trained together start at one instant, read the customers' history
/// once between them, and are fitted side by side (as many at once as the machine has cores); each gets the run,
/// events and version it would get trained alone at that instant.
/// </summary>
public sealed class TrainModel(IDocumentStore store, NpgsqlDataSource database, ModelCatalog catalog, CustomerHistories histories,
    TimeProvider clock, IBackgroundJobClient jobs, ILogger<TrainModel> logger)
{
    [JobDisplayName("Train model {0}")]
    [AutomaticRetry(Attempts = 2)]
    public async Task Run(string model, string? runKey, string[]? features, string? requestedBy, PerformContext? context,
        CancellationToken cancellation)
    {
        var key = runKey ?? context?.BackgroundJob.Id ?? Guid.NewGuid().ToString();
        await Train(model, ModelStreams.Run(model, key), features, requestedBy, context?.BackgroundJob.Id, cancellation);
    }

    /// <summary>The scheduled training of several models at once; each model's run id comes from the job id, as alone.</summary>
    [JobDisplayName("Train models together")]
    [AutomaticRetry(Attempts = 2)]
    public async Task RunTogether(string[] models, PerformContext? context, CancellationToken cancellation)
    {
        var key = context?.BackgroundJob.Id ?? Guid.NewGuid().ToString();
        await Train([.. models.Select(m => new TrainingRun(m, ModelStreams.Run(m, key)))], null, context?.BackgroundJob.Id, cancellation);
    }

    /// <summary>Runs the training and answers the model's card afterwards.</summary>
    public async Task<ModelCard> Train(string model, Guid runId, IReadOnlyList<string>? features, string? requestedBy, string? jobId,
        CancellationToken cancellation) =>
        (await Train([new TrainingRun(model, runId, features)], requestedBy, jobId, cancellation)).Runs[0].Card;

    /// <summary>Trains the models of <paramref name="runs"/> together; answers each run's card afterwards, in the order given.</summary>
    public async Task<TrainingOutcome> Train(IReadOnlyList<TrainingRun> runs, string? requestedBy, string? jobId, CancellationToken cancellation)
    {
        var definitions = runs.Select(r => catalog.Find(r.Model) ?? throw new ArgumentException($"No model '{r.Model}'.", nameof(runs))).ToList();
        if (runs.Select(r => r.Model).Distinct().Count() != runs.Count)
            throw new ArgumentException("Each model can be trained only once in a training.", nameof(runs));
        var whole = Stopwatch.StartNew();

        // Held for the whole training, each on its own connection: a second run of the same model waits here. A
        // session's lock outlives the connection's return to the pool, so it is released explicitly, whatever
        // happens. Taken in the order of the names, so two trainings of overlapping models cannot wait on each other.
        var locks = new List<(string Model, NpgsqlConnection Connection)>();
        try
        {
            foreach (var model in runs.Select(r => r.Model).Order(StringComparer.Ordinal))
            {
                var connection = await database.OpenConnectionAsync(cancellation);
                locks.Add((model, connection));
                await using var take = new NpgsqlCommand("select pg_advisory_lock(hashtext($1))", connection);
                take.Parameters.AddWithValue($"eventcrm.model.{model}");
                await take.ExecuteNonQueryAsync(cancellation);
            }

            var cards = new ModelCard?[runs.Count];
            var own = new double?[runs.Count];
            var pending = new List<int>();
            for (var i = 0; i < runs.Count; i++)
            {
                cards[i] = await Card(ModelStreams.Of(runs[i].Model), cancellation);
                // This run already produced its version: a retry does nothing for it.
                if (cards[i]?.Runs.FirstOrDefault(r => r.RunId == runs[i].RunId) is not { Status: RunStatus.Activated or RunStatus.Rejected })
                    pending.Add(i);
            }
            if (pending.Count == 0) return new TrainingOutcome([.. runs.Select((r, i) => (r, cards[i]!, (double?)null))], null, whole.Elapsed.TotalSeconds);

            // The training's start is every run's horizon: none reads anything recorded after this instant.
            var started = clock.GetUtcNow();
            foreach (var i in pending)
                await Append(ModelStreams.Of(runs[i].Model), requestedBy, jobId, runs[i].RunId,
                    new ModelTrainingStarted(runs[i].Model, runs[i].RunId, jobId, runs[i].Features, started), cancellation);
            var history = new RunHistory(histories, started, cancellation);
            // A run's seconds count from here for every model of the training, whenever a core was free for it.
            var sinceStart = Stopwatch.StartNew();
            var failures = new ConcurrentQueue<Exception>();
            var activated = new ConcurrentQueue<string>();

            // Each model fits in its own ML.NET context with fixed seeds and one thread, so side by side it learns what it
            // would alone; the history is only read.
            await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellation },
                async (i, token) =>
                {
                    try
                    {
                        var (seconds, active) = await FitAndRecord(definitions[i], runs[i], started, history, sinceStart, requestedBy, jobId, token);
                        own[i] = seconds;
                        if (active) activated.Enqueue(runs[i].Model);
                    }
                    catch (Exception failure) when (failure is not OperationCanceledException)
                    {
                        failures.Enqueue(failure);
                    }
                });

            if (activated.Any(ModelCatalog.CustomerModels.Contains))
                jobs.Enqueue<ScoreCustomers>(job => job.Run(CancellationToken.None));
            // A failure the data does not explain fails the job, so that it is retried: the runs that finished stay finished.
            if (failures.Count == 1) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failures.Single());
            if (!failures.IsEmpty) throw new AggregateException(failures);

            for (var i = 0; i < runs.Count; i++) cards[i] = await Card(ModelStreams.Of(runs[i].Model), cancellation);
            return new TrainingOutcome([.. runs.Select((r, i) => (r, cards[i]!, own[i]))], history.Seconds, whole.Elapsed.TotalSeconds);
        }
        finally
        {
            foreach (var (model, connection) in locks)
            {
                await using (connection)
                {
                    await using var release = new NpgsqlCommand("select pg_advisory_unlock(hashtext($1))", connection);
                    release.Parameters.AddWithValue($"eventcrm.model.{model}");
                    await release.ExecuteNonQueryAsync(CancellationToken.None);
                }
            }
        }
    }

    /// <summary>One model's fit and its verdict, recorded; answers the seconds of its own work and whether it was activated.</summary>
    private async Task<(double Seconds, bool Activated)> FitAndRecord(IModelDefinition definition, TrainingRun run, DateTimeOffset started,
        RunHistory history, Stopwatch watch, string? requestedBy, string? jobId, CancellationToken cancellation)
    {
        var model = run.Model;
        var streamId = ModelStreams.Of(model);
        try
        {
            // Every model learns from the history: waiting for it first keeps the read out of the model's own seconds.
            await history.Pasts();
            var work = Stopwatch.StartNew();
            var fitted = await definition.Train(new TrainingRequest(started, run.Features, history), cancellation);
            var bytes = Learning.Save(Learning.Context(), fitted.Model, fitted.InputSchema);
            var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
            var card = (await Card(streamId, cancellation))!;
            var version = card.Versions.Count == 0 ? 1 : card.Versions.Max(v => v.Version) + 1;
            var rejection = ModelCatalog.Gate(definition.Kind, fitted.Metrics, fitted.Baseline, card.Active);

            await using var session = Session(requestedBy, jobId, run.RunId);
            // The advisory lock makes this the only writer of versions; requests may still append alongside.
            var stream = await session.Events.FetchForExclusiveWriting<ModelCard>(streamId, cancellation);
            var now = clock.GetUtcNow();
            stream.AppendOne(new ModelTrained(run.RunId, version, definition.Kind, fitted.Algorithm, fitted.DataCutoff, fitted.Rows, fitted.TrainRows,
                fitted.TestRows, fitted.Features, fitted.Metrics, fitted.Baseline, fitted.Explanation, Math.Round(watch.Elapsed.TotalSeconds, 3), sha, now, fitted.LeftOut));
            stream.AppendOne(rejection is null
                ? new ModelActivated(version, card.Active is null ? "Beats its baseline; the first active version." : $"Beats its baseline and is not worse than version {card.Active.Version}.", now)
                : new ModelRejected(version, rejection, now));
            ModelArtifacts.Store(session, model, version, bytes, sha);
            await session.SaveChangesAsync(cancellation);
            logger.LogInformation("Model {Model} version {Version} trained in {Seconds:F1} s: {Verdict}", model, version,
                watch.Elapsed.TotalSeconds, rejection ?? "activated");
            return (work.Elapsed.TotalSeconds, rejection is null);
        }
        catch (InsufficientData insufficient)
        {
            // Retrying cannot help until the data changes: record why and end the run.
            await Append(streamId, requestedBy, jobId, run.RunId,
                new ModelTrainingFailed(run.RunId, insufficient.Message, clock.GetUtcNow(), insufficient.LeftOut), CancellationToken.None);
            logger.LogWarning("Model {Model} was not trained: {Reason}", model, insufficient.Message);
            return (watch.Elapsed.TotalSeconds, false);
        }
        catch (Exception failure) when (failure is not OperationCanceledException and not ConcurrencyException)
        {
            await Append(streamId, requestedBy, jobId, run.RunId, new ModelTrainingFailed(run.RunId, failure.Message, clock.GetUtcNow()), CancellationToken.None);
            throw;
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
