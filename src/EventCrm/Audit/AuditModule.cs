using EventCrm.Infrastructure;
using Marten;

namespace EventCrm.Audit;

/// <summary>The event log as auditors read it: its indexes and its reader.</summary>
public static class AuditModule
{
    public static IServiceCollection AddAudit(this IServiceCollection services)
    {
        services.ConfigureMarten((StoreOptions store) => AuditStorage.Configure(store));
        services.AddHostedService<AuditStorage.CreateAuditIndexes>();
        services.AddSingleton<EventLog>();
        services.AddApiTag("Audit", "The event log as auditors read it: every event with who, when and why, across streams.", 800);
        return services;
    }
}
