using Marten;

namespace EventCrm.Analytics;

/// <summary>The analysts' context: the purchase facts projection and the analytics schema for BI tools.</summary>
public static class AnalyticsModule
{
    public static IServiceCollection AddAnalytics(this IServiceCollection services)
    {
        services.ConfigureMarten((StoreOptions store) => AnalyticsSchema.Configure(store));
        services.AddHostedService<AnalyticsSchema.CreateFactTables>();
        return services;
    }
}
