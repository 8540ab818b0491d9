using EventCrm.Audit;
using EventCrm.Tests.Audit;
using EventCrm.Tests.Customers;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventCrm.Tests.Infrastructure;

/// <summary>
/// The application runs as a role that owns nothing: it appends events and reads them, and PostgreSQL refuses it
/// anything that would rewrite the log. Tried through the application's own connection pool.
/// </summary>
[Collection(AppCollection.Name)]
public class when_the_application_role_reaches_for_the_event_log(AppFixture app)
{
    private NpgsqlDataSource Database => app.Host.Services.GetRequiredService<NpgsqlDataSource>();

    private async Task<PostgresException> Refused(string sql, params object[] parameters)
    {
        await using var connection = await Database.OpenConnectionAsync();
        var refusal = await Should.ThrowAsync<PostgresException>(() => connection.Execute(sql, parameters));
        refusal.SqlState.ShouldBe(PostgresErrorCodes.InsufficientPrivilege, refusal.MessageText);
        return refusal;
    }

    private async Task<long> SomeEvent()
    {
        var customer = await app.Register(AppFixture.NewEmail("privilege"));
        await using var connection = await Database.OpenConnectionAsync();
        return (long)(await connection.Execute($"select max(seq_id) from {app.Names.Events} where stream_id = $1", customer))!;
    }

    [Fact]
    public async Task an_update_of_an_event_is_refused()
    {
        var sequence = await SomeEvent();
        (await Refused($"update {app.Names.Events} set data = '{{}}' where seq_id = $1", sequence)).MessageText.ShouldContain("mt_events");
    }

    [Fact]
    public async Task a_delete_or_truncate_of_events_is_refused()
    {
        var sequence = await SomeEvent();
        await Refused($"delete from {app.Names.Events} where seq_id = $1", sequence);
        await Refused($"truncate {app.Names.Events}");
        // Deleting a stream would take its events with it (the foreign key cascades with the owner's rights).
        await Refused($"delete from {app.Names.Streams} where id = (select stream_id from {app.Names.Events} where seq_id = $1)", sequence);
    }

    [Fact]
    public async Task the_sealed_log_takes_new_rows_only()
    {
        await SomeEvent();
        await app.Checkpointed();
        await Refused($"update {SealedLog.Leaves} set leaf_hash = leaf_hash");
        await Refused($"delete from {SealedLog.Leaves}");
        await Refused($"update {SealedLog.Checkpoints} set note = note");
        await Refused($"delete from {SealedLog.Checkpoints}");
        await Refused($"insert into {SealedLog.MaskedEvents} (seq, stream_id, erasure_seq, payload_before, payload_after, headers_after, masked_at, masked_by) " +
                      "values (1, gen_random_uuid(), 1, ''::bytea, ''::bytea, ''::bytea, now(), 'me')");
    }

    [Fact]
    public async Task it_owns_nothing_and_creates_nothing()
    {
        await using var connection = await Database.OpenConnectionAsync();
        var owned = (long)(await connection.Execute("""
            select (select count(*) from pg_class where relowner = r.oid) + (select count(*) from pg_namespace where nspowner = r.oid)
                 + (select count(*) from pg_proc where proowner = r.oid) + (select count(*) from pg_database where datdba = r.oid)
            from pg_roles r where r.rolname = current_user
            """))!;
        owned.ShouldBe(0);
        await Refused($"create table {EventCrm.Infrastructure.Storage.Schemas.Crm}.mine (id int)");
        await Refused("create table public.mine (id int)");
    }

    [Fact]
    public async Task the_masking_function_masks_nothing_without_a_recorded_erasure()
    {
        var sequence = await SomeEvent();
        var refusal = await Refused($"select * from {EventMasking.Function}($1, '{{}}'::jsonb, now())", sequence);
        refusal.MessageText.ShouldContain("no recorded erasure");
    }
}
