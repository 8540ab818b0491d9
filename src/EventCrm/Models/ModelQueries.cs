using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace EventCrm.Models;

public record ModelSummary(string Name, ModelKind Kind, string Description, string Schedule, IReadOnlyList<string> Features,
    int? ActiveVersion, IReadOnlyDictionary<string, double>? ActiveMetrics, int Versions, ModelRun? LastRun, DateTimeOffset? LastScoredAt);

/// <summary>A model card: the active version with its explanation, every version newest first, and the runs.</summary>
public record ModelDetails(string Name, ModelKind Kind, string Description, string Schedule, IReadOnlyList<string> Features,
    ModelVersion? Active, IReadOnlyList<ModelVersion> Versions, IReadOnlyList<ModelRun> Runs, int? LastScoredVersion,
    int LastScoredCustomers, DateTimeOffset? LastScoredAt);

public static class ModelQueries
{
    public static async Task<Dictionary<string, ModelCard>> Cards(IQuerySession session, CancellationToken cancellation)
    {
        var ids = ModelCatalog.Names.Select(ModelStreams.Of).ToArray();
        var cards = await session.LoadManyAsync<ModelCard>(cancellation, ids);
        return cards.ToDictionary(c => c.Name);
    }

    public static ProblemDetails Unknown(string name) =>
        Problems.NotFound($"No model '{name}'. Models: {string.Join(", ", ModelCatalog.Names)}.");
}

public static class ListModelsEndpoint
{
    [WolverineGet("/api/models", OperationId = "ListModels", Summary = "The models, their active versions and last runs")]
    [Authorize(Policy = Policies.ModelsRead)]
    [Tags("Models")]
    public static async Task<IReadOnlyList<ModelSummary>> Get(IQuerySession session, ModelCatalog catalog, IConfiguration configuration,
        CancellationToken cancellation)
    {
        var cards = await ModelQueries.Cards(session, cancellation);
        return [.. catalog.All.Select(model =>
        {
            var card = cards.GetValueOrDefault(model.Name);
            return new ModelSummary(model.Name, model.Kind, model.Description, ModelStorage.Schedule(configuration, model.Name), model.AllFeatures,
                card?.ActiveVersion, card?.Active?.Metrics, card?.Versions.Count ?? 0, card?.Runs.LastOrDefault(), card?.LastScoredAt);
        })];
    }
}

public static class GetModelEndpoint
{
    [WolverineGet("/api/models/{name}", OperationId = "GetModel", Summary = "A model's card",
        Description = "Every version with the data it saw (cutoff, rows, train/test split), its features, metrics against the baseline, the gate's verdict, and what it learned: weights in the features' own units for linear and logistic models, feature importance for trees, centroids for segments.")]
    [Authorize(Policy = Policies.ModelsRead)]
    [Tags("Models")]
    [ProducesResponseType(typeof(ModelDetails), 200)]
    public static async Task<IResult> Get(string name, IQuerySession session, ModelCatalog catalog, IConfiguration configuration,
        CancellationToken cancellation)
    {
        if (catalog.Find(name) is not { } model) return Results.Problem(ModelQueries.Unknown(name));
        var card = await session.LoadAsync<ModelCard>(ModelStreams.Of(name), cancellation);
        return Results.Ok(new ModelDetails(model.Name, model.Kind, model.Description, ModelStorage.Schedule(configuration, name), model.AllFeatures,
            card?.Active, [.. (card?.Versions ?? []).OrderByDescending(v => v.Version)], [.. (card?.Runs ?? []).OrderByDescending(r => r.StartedAt)],
            card?.LastScoredVersion, card?.LastScoredCustomers ?? 0, card?.LastScoredAt));
    }
}

public static class ListModelRunsEndpoint
{
    [WolverineGet("/api/models/{name}/runs", OperationId = "ListModelRuns", Summary = "A model's training runs, newest first",
        Description = "queued, running, activated, rejected or failed, with the Hangfire job id, the version produced and why it was activated or rejected.")]
    [Authorize(Policy = Policies.ModelsRead)]
    [Tags("Models")]
    [ProducesResponseType(typeof(IReadOnlyList<ModelRun>), 200)]
    public static async Task<IResult> Get(string name, IQuerySession session, ModelCatalog catalog, CancellationToken cancellation)
    {
        if (catalog.Find(name) is null) return Results.Problem(ModelQueries.Unknown(name));
        var card = await session.LoadAsync<ModelCard>(ModelStreams.Of(name), cancellation);
        return Results.Ok((card?.Runs ?? []).OrderByDescending(r => r.StartedAt).ToList());
    }
}
