using EventCrm.Infrastructure.Storage;
using JasperFx.Events.Projections;
using Marten;

namespace EventCrm.Audit;

/// <summary>
/// The audit's part of the store: indexes on the event table for the audit log's filters (Marten is told to leave
/// them alone), the sealed log's tables, the sealer, and the masking function. db-apply creates them, as the owner,
/// and grants the application's role what it needs: to append to the sealed log, never to change it.
/// </summary>
public static class AuditStorage
{
    private static readonly (string Name, string Definition)[] Indexes =
    [
        ("ix_mt_events_user_name", "(user_name, seq_id)"),
        ("ix_mt_events_correlation_id", "(correlation_id)"),
        ("ix_mt_events_timestamp", "(timestamp)"),
    ];

    public static void Configure(StoreOptions options, IServiceProvider services, AuditRules rules)
    {
        options.Events.EnableEventTypeIndex = true;
        foreach (var (name, _) in Indexes) options.Events.IgnoreIndex(name);
        foreach (var table in SealedLog.Tables()) options.Storage.ExtendedSchemaObjects.Add(table);
        options.Events.AddEventType<EventsMasked>();
        options.Events.AddEventType<PersonalDataReadsRecorded>();
        options.Storage.ExtendedSchemaObjects.Add(PersonalDataReadProjection.Definition());
        options.Projections.Add(new PersonalDataReadProjection(), ProjectionLifecycle.Inline);
        if (rules.Seal) options.Projections.Subscribe(new EventSealer(services));
    }

    /// <summary>The indexes, the masking function and the application's privileges on the audit schema (db-apply, as the owner).</summary>
    internal sealed class CreateAuditObjects(StoreNames names, ErasureEvents erasures) : ISchemaStep
    {
        public string Name => "the audit log's indexes, the sealed log's privileges and the masking function";

        public async Task ApplyAsync(SchemaChange change, CancellationToken cancellation)
        {
            foreach (var (name, definition) in Indexes)
                await change.Execute($"create index if not exists {name} on {names.Events} {definition}");
            await change.Execute(EventMasking.FunctionSql(names, erasures.TypeNames));
            await change.Execute($"revoke all on schema {Schemas.Audit} from public");
            await change.Grant($$"""
                grant usage on schema {{Schemas.Audit}} to {role};
                grant select, insert on {{SealedLog.Leaves}}, {{SealedLog.Nodes}}, {{SealedLog.Checkpoints}} to {role};
                grant select, insert, update on {{SealedLog.State}} to {role};
                grant select on {{SealedLog.MaskedEvents}} to {role};
                grant select, insert on {{PersonalDataReadProjection.Table}} to {role};
                grant execute on function {{EventMasking.Function}}(bigint, jsonb, timestamptz) to {role};
                """);
        }
    }
}
