using EventCrm.Infrastructure.Storage;
using EventCrm.Infrastructure.Http;
using Marten;
using Weasel.Postgresql.Tables;

namespace EventCrm.Customers;

/// <summary>
/// An e-mail address belongs to at most one customer. The rule is kept in a table of claims of its own
/// (<c>crm.customer_email_claims</c>), never in a read model: a rebuild of the profiles cannot lose it. The claims
/// are written by <see cref="EmailClaims"/> in the same transaction as the events that give, change, merge or
/// erase an address, whichever path appends them (the API, an import, a lead's conversion). A command does not look
/// the address up first: the claim, written by <see cref="ClaimFunction"/> in the commit's own batch, refuses an
/// address another customer holds, naming them, and the whole commit fails (a 422, through
/// <see cref="Problems.RefusedInCommit"/>). The table's key settles a race between two commands the same way.
/// </summary>
public static class EmailOwnership
{
    public const string Table = $"{Schemas.Crm}.customer_email_claims";

    /// <summary>The address; the customer whose contact details carry it; who answers for it now (the survivor of a merge).</summary>
    public static Table Definition()
    {
        var table = new Table(Table);
        table.AddColumn<string>("email").AsPrimaryKey();
        table.AddColumn<Guid>("customer_id").NotNull();
        table.AddColumn<Guid>("owner_id").NotNull();
        table.Indexes.Add(new IndexDefinition("ix_customer_email_claims_customer") { Columns = ["customer_id"] });
        return table;
    }

    public const string ClaimFunctionName = $"{Schemas.Crm}.claim_customer_email";

    /// <summary>
    /// Claims an address for a customer (and, with <c>p_only</c>, gives up the customer's other addresses): nothing to
    /// do when the customer holds it already; refused when another customer does, with the key's error (23505) and the
    /// problem for people in its hint (<see cref="Problems.RefusedInCommit"/>): the customer who answers for it, as a
    /// look-up before the command would have said. <c>on conflict do nothing</c> waits for a concurrent claim of the
    /// same address to commit or roll back, so a race ends as a taken address does. An address of a merged duplicate
    /// that this customer answers for is refused as a plain conflict, as before: which of the two carries it is for
    /// the merge to say, not for a change of contact details.
    /// </summary>
    public static Weasel.Postgresql.Functions.Function ClaimFunction() => Weasel.Postgresql.Functions.Function.ForSql($$"""
        create or replace function {{ClaimFunctionName}}(p_email varchar, p_customer uuid, p_only boolean) returns void
        language plpgsql as $function$
        declare
            holder record;
        begin
            if p_only then
                delete from {{Table}} where customer_id = p_customer and email <> p_email;
            end if;
            insert into {{Table}} (email, customer_id, owner_id) values (p_email, p_customer, p_customer)
                on conflict (email) do nothing;
            if found then
                return;
            end if;
            select customer_id, owner_id into holder from {{Table}} where email = p_email;
            if holder.customer_id = p_customer then
                return;
            end if;
            if holder.owner_id = p_customer then
                raise exception 'The e-mail address is claimed by a merged duplicate.' using errcode = 'unique_violation';
            end if;
            raise exception 'The e-mail address is claimed by another customer.' using errcode = 'unique_violation',
                hint = json_build_object(
                    'title', 'The e-mail address belongs to another customer.',
                    'detail', format('Customer %s is registered with this e-mail address.', holder.owner_id),
                    'existingCustomerId', holder.owner_id)::text;
        end
        $function$;
        """);

    /// <summary>The customer an address belongs to (the survivor, for a merged duplicate's), if any.</summary>
    public static async Task<Guid?> OwnerOf(IQuerySession session, string email, CancellationToken cancellation) =>
        (await session.AdvancedSql.QueryAsync<Guid>($"select owner_id from {Table} where email = ?", cancellation, email))
        .Cast<Guid?>().FirstOrDefault();

    /// <summary>
    /// Claims for the profiles that have none: for a database from before the claims existed, and after demo
    /// data was bulk-loaded (which appends events without a session). Idempotent.
    /// </summary>
    public static async Task ClaimFromProfiles(IDocumentStore store, CancellationToken cancellation)
    {
        var email = StoreNames.ColumnOf<CustomerProfile>(store.Options, p => p.Email);
        await using var session = store.LightweightSession();
        session.QueueSqlCommand($"""
            insert into {Table} (email, customer_id, owner_id)
            select {email}, id, coalesce((data ->> '{StoreNames.Json<CustomerProfile>(p => p.MergedInto)}')::uuid, id)
            from {StoreNames.TableOf<CustomerProfile>(store.Options)}
            where {email} is not null
            on conflict (email) do nothing
            """);
        await session.SaveChangesAsync(cancellation);
    }

    internal sealed class FillOnStart(IDocumentStore store) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => ClaimFromProfiles(store, cancellationToken);
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>Writes the e-mail claims of the customer events a session is about to commit, into its transaction.</summary>
public sealed class EmailClaims : DocumentSessionListenerBase
{
    private const string Table = EmailOwnership.Table;

    public override Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
    {
        foreach (var stream in session.PendingChanges.Streams())
        foreach (var e in stream.Events)
        {
            switch (e.Data)
            {
                // An address another customer holds fails the whole commit, naming them (EmailOwnership.TakenBy).
                case CustomerRegistered { Email: { } email }:
                    session.QueueSqlCommand($"select {EmailOwnership.ClaimFunctionName}(?, ?, false)", email, stream.Id);
                    break;
                case ContactDetailsChanged { Email: { } email }:
                    session.QueueSqlCommand($"select {EmailOwnership.ClaimFunctionName}(?, ?, true)", email, stream.Id);
                    break;
                case CustomerMerged merged:
                    session.QueueSqlCommand($"update {Table} set owner_id = ? where owner_id = ?", stream.Id, merged.DuplicateId);
                    break;
                case CustomerErased:
                    session.QueueSqlCommand($"delete from {Table} where customer_id = ?", stream.Id);
                    break;
            }
        }
        return Task.CompletedTask;
    }
}
