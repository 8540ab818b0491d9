using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using EventCrm.Sales;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace EventCrm.Models;

/// <summary>One model's say about one record, and which version said it.</summary>
public record Prediction(string Model, int Version, double Value, string Meaning, string? Segment = null);

public record CustomerPredictions(Guid CustomerId, DateTimeOffset AsOf, IReadOnlyList<Prediction> Predictions);

public record WinProbability(Guid OpportunityId, DateTimeOffset AsOf, Prediction Prediction);

public static class PredictionProblems
{
    public static ProblemDetails NoActiveModel(string what) => new()
    {
        Type = "urn:eventcrm:problem:no-active-model",
        Title = "No model is active.",
        Status = StatusCodes.Status409Conflict,
        Detail = $"No version of {what} is active yet: train one with POST /api/models/{{name}}/train (see GET /api/models).",
    };
}

public static class CustomerPredictionsEndpoint
{
    [WolverineGet("/api/customers/{customerId}/predictions", OperationId = "GetCustomerPredictions", Summary = "What the active models say about a customer",
        Description = "Churn risk, high-value probability, expected spend in the next 90 days and segment, each with the model name and version that produced it, computed now from the customer's events. 409 when no customer model is active.")]
    [Authorize(Policy = Policies.ModelsRead)]
    [Tags("Models")]
    [ProducesResponseType(typeof(CustomerPredictions), 200)]
    public static async Task<IResult> Get(Guid customerId, IQuerySession session, CustomerPredictor predictor, TimeProvider clock,
        CancellationToken cancellation)
    {
        var profile = await session.LoadAsync<CustomerProfile>(customerId, cancellation);
        if (profile is null || profile.Status is CustomerStatus.Merged or CustomerStatus.Erased)
            return Results.Problem(Problems.NotFound(profile is null ? $"No customer {customerId}." : $"Customer {customerId} is {profile.Status.ToString().ToLowerInvariant()}."));

        var (scores, versions) = await predictor.Score(customerId, cancellation);
        if (versions.Count == 0) return Results.Problem(PredictionProblems.NoActiveModel("the customer models"));
        var score = scores.Single();
        var predictions = new List<Prediction>();
        if (score.ChurnRisk is { } churn) predictions.Add(new(ModelCatalog.Churn, score.ChurnVersion!.Value, churn, "probability of no purchase in the next 180 days"));
        if (score.HighValueProbability is { } high) predictions.Add(new(ModelCatalog.HighValue, score.HighValueVersion!.Value, high, "probability of being among the top spenders of the next 180 days"));
        if (score.ExpectedSpend90 is { } spend) predictions.Add(new(ModelCatalog.PurchaseAmount, score.PurchaseAmountVersion!.Value, spend, "expected spend in the next 90 days, house currency"));
        if (score.Segment is { } segment) predictions.Add(new(ModelCatalog.Segments, score.SegmentsVersion!.Value, segment, "segment number", score.SegmentName));
        return Results.Ok(new CustomerPredictions(customerId, clock.GetUtcNow(), predictions));
    }
}

public static class WinProbabilityEndpoint
{
    [WolverineGet("/api/opportunities/{opportunityId}/win-probability", OperationId = "GetWinProbability", Summary = "The win model's probability for an open opportunity",
        Description = "With the model version that produced it. 404 for an unknown opportunity, 409 when it is closed or no win model is active.")]
    [Authorize(Policy = Policies.ModelsRead)]
    [Tags("Models")]
    [ProducesResponseType(typeof(WinProbability), 200)]
    public static async Task<IResult> Get(Guid opportunityId, IQuerySession session, WinProbabilities win, TimeProvider clock,
        CancellationToken cancellation)
    {
        var entry = await session.LoadAsync<SalesPipelineEntry>(opportunityId, cancellation);
        if (entry is null) return Results.Problem(Problems.NotFound($"No opportunity {opportunityId}."));
        if (!entry.IsOpen)
            return Results.Problem(new ProblemDetails
            {
                Type = "urn:eventcrm:problem:opportunity-closed",
                Title = "The opportunity is closed.",
                Status = StatusCodes.Status409Conflict,
                Detail = $"Opportunity {opportunityId} was {entry.Outcome.ToString()!.ToLowerInvariant()}; only open opportunities have a win probability.",
            });
        if (await win.Score(opportunityId, cancellation) is not { } scored) return Results.Problem(PredictionProblems.NoActiveModel(ModelCatalog.OpportunityWin));
        return Results.Ok(new WinProbability(opportunityId, clock.GetUtcNow(),
            new Prediction(ModelCatalog.OpportunityWin, scored.Version, scored.Probabilities[opportunityId], "probability that the opportunity is won")));
    }
}
