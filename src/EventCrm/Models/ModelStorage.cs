using JasperFx.Events.Projections;
using Marten;

namespace EventCrm.Models;

/// <summary>The models' part of the store and their schedules (section <c>Models</c>).</summary>
public static class ModelStorage
{
    /// <summary>Nightly, one after another, unless <c>Models:Schedules:&lt;name&gt;</c> says otherwise.</summary>
    public static readonly IReadOnlyDictionary<string, string> DefaultSchedules = new Dictionary<string, string>
    {
        [ModelCatalog.PurchaseAmount] = "0 2 * * *",
        [ModelCatalog.Churn] = "10 2 * * *",
        [ModelCatalog.HighValue] = "20 2 * * *",
        [ModelCatalog.Segments] = "30 2 * * *",
        [ModelCatalog.OpportunityWin] = "40 2 * * *",
    };

    public static string Schedule(IConfiguration configuration, string model) =>
        configuration[$"Models:Schedules:{model}"] ?? DefaultSchedules[model];

    public static string JobId(string model) => $"train-{model}";

    public static void Configure(StoreOptions options)
    {
        options.Projections.Add<ModelCardProjection>(ProjectionLifecycle.Inline);
        options.Storage.ExtendedSchemaObjects.Add(ModelArtifacts.Table());
        options.Schema.For<CustomerScore>()
            .Duplicate(x => x.ChurnRisk)
            .Duplicate(x => x.SegmentName)
            .Duplicate(x => x.ScoredAt);
    }
}
