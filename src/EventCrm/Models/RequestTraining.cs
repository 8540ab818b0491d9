using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Hangfire;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace EventCrm.Models;

/// <summary>Train a model now; <c>features</c> restricts it to some of its inputs (to try a simpler model).</summary>
public record RequestTraining(IReadOnlyList<string>? Features = null);

public record TrainingAccepted(Guid RunId, string Runs);

/// <summary>
/// The outbox's half of a training request: sent in the request's own transaction, handled after it commits by
/// queueing the Hangfire job. So a request that fails queues nothing, and a job never runs for a request that
/// was not recorded. Delivered at least once: a second job for the same run finds it finished and does nothing.
/// </summary>
public record QueueTraining(string Model, string RunKey, string[]? Features, string? RequestedBy);

public static class QueueTrainingHandler
{
    public static void Handle(QueueTraining message, IBackgroundJobClient jobs) =>
        jobs.Enqueue<TrainModel>(job => job.Run(message.Model, message.RunKey, message.Features, message.RequestedBy, null, CancellationToken.None));
}

public static class RequestTrainingEndpoint
{
    public static ProblemDetails Validate(RequestTraining command, string name, ModelCatalog catalog)
    {
        if (catalog.Find(name) is not { } model) return ModelQueries.Unknown(name);
        var errors = new FieldErrors();
        foreach (var unknown in (command.Features ?? []).Where(f => !model.AllFeatures.Contains(f)))
            errors.Add("features", $"'{unknown}' is not a feature of {name}; its features: {string.Join(", ", model.AllFeatures)}.");
        if (command.Features is { Count: 0 }) errors.Add("features", "Leave 'features' out to use them all, or name at least one.");
        return errors.ToProblem();
    }

    [WolverinePost("/api/models/{name}/train", OperationId = "TrainModel", Summary = "Train a new version of a model",
        Description = "Records the request and queues a Hangfire job once it is stored; answers 202 with the run id; follow the run at /api/models/{name}/runs. The version is activated only if it beats its baseline and is not clearly worse than the active one.")]
    [Authorize(Policy = Policies.ModelsTrain)]
    [Tags("Models")]
    public static (IResult, QueueTraining) Post(RequestTraining command, string name, HttpContext http,
        IDocumentSession session, TimeProvider clock)
    {
        var runKey = Guid.NewGuid().ToString("N");
        var features = command.Features?.ToArray();
        var runId = ModelStreams.Run(name, runKey);
        session.Events.Append(ModelStreams.Of(name), new ModelTrainingRequested(name, runId, null, features, clock.GetUtcNow()));
        var runs = $"/api/models/{name}/runs";
        return (Results.Accepted(runs, new TrainingAccepted(runId, runs)),
            new QueueTraining(name, runKey, features, http.User.Identity?.Name));
    }
}
