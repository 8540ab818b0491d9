using EventCrm.Infrastructure.Storage;
using EventCrm.Infrastructure.Http;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Weasel.Postgresql.Tables;

namespace EventCrm.Customers;

/// <summary>
/// An e-mail address belongs to at most one customer. The rule is kept in a table of claims of its own
/// (<c>crm.customer_email_claims</c>), never in a read model: a rebuild of the profiles cannot lose it. The claims
/// are written by <see cref="EmailClaims"/> in the same transaction as the events that give, change, merge or
/// erase an address, whichever path appends them (the API, an import, a lead's conversion), and the table's key
/// settles a race between two commands: the second is refused (409) and appends nothing.
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

    /// <summary>The customer an address belongs to (the survivor, for a merged duplicate's), if any.</summary>
    public static async Task<Guid?> OwnerOf(IQuerySession session, string email, CancellationToken cancellation) =>
        (await Claim(session, email, cancellation))?.Owner;

    public static async Task<ProblemDetails> RefuseIfTaken(IQuerySession session, string? email, Guid? customerId,
        CancellationToken cancellation)
    {
        if (email is null) return Problems.None; // not an address at all: validation answers that

        var claim = await Claim(session, email, cancellation);
        if (claim is null || claim.Value.Customer == customerId || claim.Value.Owner == customerId) return Problems.None;

        return Problems.RuleViolation(
            "The e-mail address belongs to another customer.",
            $"Customer {claim.Value.Owner} is registered with this e-mail address.",
            new Dictionary<string, object?> { ["existingCustomerId"] = claim.Value.Owner });
    }

    private static async Task<(Guid Customer, Guid Owner)?> Claim(IQuerySession session, string email, CancellationToken cancellation)
    {
        var rows = await session.AdvancedSql.QueryAsync<string>(
            $"select customer_id || ' ' || owner_id from {Table} where email = ?", cancellation, email);
        return rows.FirstOrDefault()?.Split(' ') is [var customer, var owner] ? (Guid.Parse(customer), Guid.Parse(owner)) : null;
    }

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
                case CustomerRegistered { Email: { } email }:
                    // The key refuses an address another customer holds: the whole commit fails (409).
                    session.QueueSqlCommand($"insert into {Table} (email, customer_id, owner_id) values (?, ?, ?)",
                        email, stream.Id, stream.Id);
                    break;
                case ContactDetailsChanged { Email: { } email }:
                    session.QueueSqlCommand($"delete from {Table} where customer_id = ? and email <> ?", stream.Id, email);
                    session.QueueSqlCommand(
                        $"insert into {Table} (email, customer_id, owner_id) select ?, ?, ? where not exists (select from {Table} where email = ? and customer_id = ?)",
                        email, stream.Id, stream.Id, email, stream.Id);
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
