using EventCrm.Infrastructure;
using EventCrm.Infrastructure.Storage;
using Marten;

namespace EventCrm.Audit;

/// <summary>
/// The event log as auditors read it (its indexes and reader), and the proof that it is the log that was written:
/// the sealer, the signed checkpoints, verification and proofs, erasure's narrow masking path, the log of who read
/// personal data, and the export and import of the whole store.
/// </summary>
public static class AuditModule
{
    public static IServiceCollection AddAudit(this IServiceCollection services)
    {
        services.AddSettings<AuditRules>(AuditRules.Section);
        services.AddSingleton<AuditKeys>();
        services.ConfigureMarten((IServiceProvider provider, StoreOptions store) =>
            AuditStorage.Configure(store, provider, provider.GetRequiredService<AuditRules>()));
        services.AddSchemaStep<AuditStorage.CreateAuditObjects>();
        services.AddSingleton<EventLog>();
        services.AddApiTag("Audit", "The event log as auditors read it: every event with who, when and why, across streams.", 800);
        services.AddSingleton<ErasureEvents>();
        services.AddSingleton<EventMasking>();
        services.AddSingleton<Checkpoints>();
        services.AddSingleton<AuditVerifier>();
        services.AddSingleton<Proofs>();
        services.AddSingleton<EventExport>();
        services.AddHostedService<CheckpointSchedule>();
        services.AddSingleton<AccessLog>();
        services.AddSingleton<AccessRecords>();
        services.AddHostedService<AccessLogWriter>();
        return services;
    }
}
