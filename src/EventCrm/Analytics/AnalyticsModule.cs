using EventCrm.Infrastructure;
using EventCrm.Infrastructure.Projections;
using EventCrm.Infrastructure.Storage;
using Marten;

namespace EventCrm.Analytics;

/// <summary>The analysts' context: the purchase facts projection and the analytics schema for BI tools.</summary>
public static class AnalyticsModule
{
    public static IServiceCollection AddAnalytics(this IServiceCollection services)
    {
        services.ConfigureMarten((StoreOptions store) => AnalyticsSchema.Configure(store));
        services.AddSchemaStep<AnalyticsSchema.CreateFactTables>();
        services.AddSingleton<IRowsKeptFromDocuments, AnalyticsSchema.RowsKept>();
        services.AddApiTag("Analytics", "Statistics, trends and breakdowns as JSON, CSV or charts.", 600);
        return services;
    }
}
