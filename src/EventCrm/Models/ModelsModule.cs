using EventCrm.Infrastructure;
using EventCrm.Customers;
using EventCrm.Infrastructure.Jobs;
using EventCrm.Infrastructure.Observability;
using EventCrm.Sales;
using Marten;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EventCrm.Models;

/// <summary>
/// The models context: the five models, their registry and artifacts, the nightly trainings, and the answers it
/// gives the contexts below it (customer scores for the list, win probabilities for the forecast).
/// </summary>
public static class ModelsModule
{
    public static IServiceCollection AddModels(this IServiceCollection services)
    {
        services.ConfigureMarten((StoreOptions store) => ModelStorage.Configure(store));
        services.AddApiTag("Models", "ML.NET models: training runs, model cards, scores and predictions.", 700);
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
        services.AddSingleton<IWinProbabilities>(provider => provider.GetRequiredService<WinProbabilities>());
        services.AddSingleton<ICustomerScores, ScoredCustomers>();
        services.AddTransient<ScoreCustomers>();
        services.AddSingleton<IModelAges, ModelAges>();

        // The recurring trainings: the models on one schedule (Models:Schedules:<name>) are trained together.
        services.TryAddTransient<TrainModel>();
        services.AddSingleton(new RecurringJob(ModelStorage.TrainingsSchedule, ModelStorage.ScheduleTrainings));
        return services;
    }
}
