using Hangfire;
using JasperFx.Events.Projections;
using Marten;

namespace EventCrm.Models;

/// <summary>The models' part of the store, the container and the schedule (section <c>Models</c>).</summary>
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

    public static IServiceCollection AddModels(this IServiceCollection services)
    {
        services.AddSingleton<CustomerHistories>();
        services.AddSingleton<OpportunityFeatureReader>();
        services.AddSingleton<IModelDefinition, PurchaseAmountModel>();
        services.AddSingleton<IModelDefinition, ChurnModel>();
        services.AddSingleton<IModelDefinition, HighValueModel>();
        services.AddSingleton<IModelDefinition, SegmentModel>();
        services.AddSingleton<IModelDefinition, OpportunityWinModel>();
        services.AddSingleton<ModelCatalog>();
        services.AddSingleton<ModelArtifacts>();
        services.AddSingleton<CustomerPredictor>();
        services.AddSingleton<WinProbabilities>();
        services.AddTransient<TrainModel>();
        services.AddTransient<ScoreCustomers>();
        return services;
    }

    /// <summary>One recurring training job per model, on its schedule.</summary>
    public static void Schedule(IRecurringJobManager jobs, IConfiguration configuration)
    {
        foreach (var model in ModelCatalog.Names)
            jobs.AddOrUpdate<TrainModel>(JobId(model), job => job.Run(model, null, null, null, null, CancellationToken.None),
                Schedule(configuration, model));
    }
}
