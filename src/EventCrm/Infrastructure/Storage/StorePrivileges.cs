namespace EventCrm.Infrastructure.Storage;

/// <summary>
/// What the application's role may do in Marten's and Wolverine's schemas: read and write documents, messages and
/// progress, append events, and nothing else. The event table takes SELECT and INSERT only: no UPDATE, DELETE or
/// TRUNCATE, so the application cannot rewrite what happened (erasure masks through a narrow function of its own,
/// see Audit). The stream table takes no DELETE or TRUNCATE either: deleting a stream would cascade to its events
/// with the table owner's rights. The role can create nothing: no schema grants it CREATE.
/// </summary>
internal sealed class StorePrivileges(StoreNames names) : ISchemaStep
{
    public string Name => "privileges of the application's role on the store and the message tables";

    public async Task ApplyAsync(SchemaChange change, CancellationToken cancellation)
    {
        // Nobody but the owner creates objects in the public schema (PostgreSQL 15's default, made explicit).
        await change.Execute("revoke create on schema public from public");
        await change.Execute($"revoke all on schema {Schemas.Crm}, {Schemas.Messaging} from public");

        await change.Grant($$"""
            grant usage on schema {{Schemas.Crm}}, {{Schemas.Messaging}} to {role};
            grant select, insert, update, delete, truncate on all tables in schema {{Schemas.Crm}} to {role};
            grant select, insert, update, delete, truncate on all tables in schema {{Schemas.Messaging}} to {role};
            grant usage, select on all sequences in schema {{Schemas.Crm}}, {{Schemas.Messaging}} to {role};
            grant execute on all functions in schema {{Schemas.Crm}}, {{Schemas.Messaging}} to {role};
            revoke update, delete, truncate on {{names.Events}} from {role};
            revoke delete, truncate on {{names.Streams}} from {role};
            """);
    }
}
