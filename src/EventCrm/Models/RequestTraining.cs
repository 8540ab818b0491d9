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

public record TrainingAccepted(Guid RunId, string JobId, string Runs);

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
        Description = "Enqueues a Hangfire job and answers 202 with the run and job ids; follow the run at /api/models/{name}/runs. The version is activated only if it beats its baseline and is not clearly worse than the active one.")]
    [Authorize(Policy = Policies.ModelsTrain)]
    [Tags("Models")]
    public static IResult Post(RequestTraining command, string name, IBackgroundJobClient jobs, HttpContext http,
        IDocumentSession session, TimeProvider clock)
    {
        var runKey = Guid.NewGuid().ToString("N");
        var user = http.User.Identity?.Name;
        var features = command.Features?.ToArray();
        var jobId = jobs.Enqueue<TrainModel>(job => job.Run(name, runKey, features, user, null, CancellationToken.None));
        var runId = ModelStreams.Run(name, runKey);
        session.Events.Append(ModelStreams.Of(name), new ModelTrainingRequested(name, runId, jobId, features, clock.GetUtcNow()));
        var runs = $"/api/models/{name}/runs";
        return Results.Accepted(runs, new TrainingAccepted(runId, jobId, runs));
    }
}
