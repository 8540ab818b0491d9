using System.Text;
using EventCrm.Audit;
using EventCrm.Tests.Customers;
using Npgsql;

namespace EventCrm.Tests.Audit;

/// <summary>
/// Someone with full access to the database (the superuser) changes the event log behind the application's back;
/// verification names each change by its kind and sequence. Each test puts the log back as it was.
/// </summary>
[Collection(AppCollection.Name)]
public class when_the_event_log_is_tampered_with(AppFixture app)
{
    /// <summary>Three customers' events, all sealed and under a checkpoint; answers their sequences.</summary>
    private async Task<long[]> SealedEvents()
    {
        var customers = new List<Guid>();
        for (var i = 0; i < 3; i++) customers.Add(await app.Register(AppFixture.NewEmail("sealed")));
        await app.Checkpointed();
        await using var connection = app.Superuser();
        await using var command = new NpgsqlCommand($"select seq_id from {app.Names.Events} where stream_id = any($1) order by seq_id", connection);
        command.Parameters.AddWithValue(customers.ToArray());
        var sequences = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) sequences.Add(reader.GetInt64(0));
        return [.. sequences];
    }

    private static async Task<string> Row(NpgsqlConnection connection, string table, string key, long value) =>
        (string)(await connection.Execute($"select to_jsonb(t)::text from {table} t where {key} = $1", value))!;

    private static Task Restore(NpgsqlConnection connection, string table, string row) =>
        connection.Execute($"insert into {table} select * from jsonb_populate_record(null::{table}, $1::jsonb)", row);

    [Fact]
    public async Task a_clean_log_verifies()
    {
        var sequences = await SealedEvents();
        var report = await app.Verify(sequences[0], sequences[^1]);
        report.Ok.ShouldBeTrue(string.Join("; ", report.Mismatches.Select(m => $"{m.Kind} {m.Sequence} {m.Detail}")));
        report.EventsChecked.ShouldBe(sequences.Length);
        report.CheckpointsChecked.ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task an_edited_payload_is_modified_at_its_sequence()
    {
        var sequences = await SealedEvents();
        var target = sequences[1];
        await using var connection = app.Superuser();
        var before = (string)(await connection.Execute($"select data::text from {app.Names.Events} where seq_id = $1", target))!;
        try
        {
            await connection.Execute($"update {app.Names.Events} set data = jsonb_set(data, '{{name}}', '\"Mallory\"') where seq_id = $1", target);

            var report = await app.Verify(sequences[0], sequences[^1]);

            report.Ok.ShouldBeFalse();
            report.FirstMismatch.ShouldNotBeNull().Kind.ShouldBe(MismatchKinds.Modified);
            report.FirstMismatch.Sequence.ShouldBe(target);
            report.FirstMismatch.Detail.ShouldContain("payload");
            report.MismatchCount.ShouldBe(1);
        }
        finally
        {
            await connection.Execute($"update {app.Names.Events} set data = $2::jsonb where seq_id = $1", target, before);
        }
        (await app.Verify(sequences[0], sequences[^1])).Ok.ShouldBeTrue();
    }

    [Fact]
    public async Task edited_metadata_is_modified_too()
    {
        var sequences = await SealedEvents();
        var target = sequences[2];
        await using var connection = app.Superuser();
        var user = (string)(await connection.Execute($"select user_name from {app.Names.Events} where seq_id = $1", target))!;
        try
        {
            await connection.Execute($"update {app.Names.Events} set user_name = 'someone-else' where seq_id = $1", target);
            var mismatch = (await app.Verify(sequences[0], sequences[^1])).FirstMismatch.ShouldNotBeNull();
            mismatch.Kind.ShouldBe(MismatchKinds.Modified);
            mismatch.Sequence.ShouldBe(target);
            mismatch.Detail.ShouldContain("metadata");
        }
        finally
        {
            await connection.Execute($"update {app.Names.Events} set user_name = $2 where seq_id = $1", target, user);
        }
    }

    [Fact]
    public async Task a_deleted_event_is_missing()
    {
        var sequences = await SealedEvents();
        var target = sequences[1];
        await using var connection = app.Superuser();
        var row = await Row(connection, app.Names.Events, "seq_id", target);
        try
        {
            await connection.Execute($"delete from {app.Names.Events} where seq_id = $1", target);

            var report = await app.Verify(sequences[0], sequences[^1]);

            report.FirstMismatch.ShouldNotBeNull().Kind.ShouldBe(MismatchKinds.Missing);
            report.FirstMismatch.Sequence.ShouldBe(target);
            report.MismatchCount.ShouldBe(1);
        }
        finally
        {
            await Restore(connection, app.Names.Events, row);
        }
        (await app.Verify(sequences[0], sequences[^1])).Ok.ShouldBeTrue();
    }

    [Fact]
    public async Task an_event_slipped_into_a_gap_is_inserted()
    {
        // A sequence number nobody used (as a rolled-back transaction leaves), then events sealed past it.
        await using var connection = app.Superuser();
        var gap = (long)(await connection.Execute("select nextval($1::regclass)", $"{EventCrm.Infrastructure.Storage.Schemas.Crm}.mt_events_sequence"))!;
        var sequences = await SealedEvents();
        sequences[0].ShouldBeGreaterThan(gap);
        var row = await Row(connection, app.Names.Events, "seq_id", sequences[0]);
        try
        {
            // A copy of a real event under a new id, backdated into the gap.
            await connection.Execute($$"""
                insert into {{app.Names.Events}}
                select * from jsonb_populate_record(null::{{app.Names.Events}},
                    $1::jsonb || jsonb_build_object('seq_id', $2::bigint, 'id', gen_random_uuid(), 'version', 99))
                """, row, gap);

            var report = await app.Verify(gap, sequences[^1]);

            report.FirstMismatch.ShouldNotBeNull().Kind.ShouldBe(MismatchKinds.Inserted);
            report.FirstMismatch.Sequence.ShouldBe(gap);
            report.MismatchCount.ShouldBe(1);
        }
        finally
        {
            await connection.Execute($"delete from {app.Names.Events} where seq_id = $1", gap);
        }
        (await app.Verify(gap, sequences[^1])).Ok.ShouldBeTrue();
    }

    [Fact]
    public async Task swapped_events_are_reordered()
    {
        var sequences = await SealedEvents();
        var (first, second) = (sequences[0], sequences[2]);
        await using var connection = app.Superuser();
        async Task Swap()
        {
            await connection.Execute($"update {app.Names.Events} set seq_id = -1 where seq_id = $1", first);
            await connection.Execute($"update {app.Names.Events} set seq_id = $1 where seq_id = $2", first, second);
            await connection.Execute($"update {app.Names.Events} set seq_id = $1 where seq_id = -1", second);
        }
        await Swap();
        try
        {
            var report = await app.Verify(sequences[0], sequences[^1]);

            report.FirstMismatch.ShouldNotBeNull().Kind.ShouldBe(MismatchKinds.Reordered);
            report.FirstMismatch.Sequence.ShouldBe(first);
            report.Mismatches.Select(m => (m.Kind, m.Sequence)).ShouldBe(
                [(MismatchKinds.Reordered, first), (MismatchKinds.Reordered, second)]);
        }
        finally
        {
            await Swap();
        }
        (await app.Verify(sequences[0], sequences[^1])).Ok.ShouldBeTrue();
    }

    [Fact]
    public async Task a_forged_signature_is_a_checkpoint_signature_mismatch()
    {
        await SealedEvents();
        var checkpoint = await app.Checkpointed();
        await using var connection = app.Superuser();
        var signature = Convert.FromBase64String(checkpoint.Signature);
        var forged = (byte[])signature.Clone();
        forged[10] ^= 0xFF;
        try
        {
            await connection.Execute($"update {SealedLog.Checkpoints} set signature = $2 where tree_size = $1", checkpoint.TreeSize, forged);

            var report = await app.Verify(1, 1);

            report.Mismatches.ShouldContain(m => m.Kind == MismatchKinds.CheckpointSignature && m.TreeSize == checkpoint.TreeSize);
        }
        finally
        {
            await connection.Execute($"update {SealedLog.Checkpoints} set signature = $2 where tree_size = $1", checkpoint.TreeSize, signature);
        }
    }

    [Fact]
    public async Task a_checkpoint_signed_by_an_unknown_key_is_a_checkpoint_signature_mismatch()
    {
        await SealedEvents();
        var checkpoint = await app.Checkpointed();
        using var stranger = new AuditKeys(new SigningRules { Key = AuditKeys.NewPrivateKeyPem() });
        var (keyId, signature) = stranger.Sign(Encoding.UTF8.GetBytes(checkpoint.Note));

        var report = await app.Verify(1, 1, [checkpoint with { KeyId = keyId, Signature = Convert.ToBase64String(signature) }]);

        report.Mismatches.ShouldContain(m => m.Kind == MismatchKinds.CheckpointSignature && m.TreeSize == checkpoint.TreeSize
                                             && m.Detail.Contains("given"));
    }

    /// <summary>
    /// The thorough forger: the event edited, and its leaf rewritten to match (the leaf format is public). The leaves
    /// agree with the events, but not with what the checkpoints signed; and deleting the stored checkpoints does not
    /// help against one an auditor kept.
    /// </summary>
    [Fact]
    public async Task a_rewritten_leaf_is_inconsistent_with_the_checkpoints_and_with_an_auditors_copy()
    {
        var sequences = await SealedEvents();
        var kept = await app.Checkpointed();
        var target = sequences[1];
        await using var connection = app.Superuser();
        var data = (string)(await connection.Execute($"select data::text from {app.Names.Events} where seq_id = $1", target))!;
        var leaf = await Row(connection, SealedLog.Leaves, "seq", target);
        var laterCheckpoints = new List<string>();
        await using (var command = new NpgsqlCommand($"select to_jsonb(c)::text from {SealedLog.Checkpoints} c where tree_size > (select leaf_index from {SealedLog.Leaves} where seq = $1)", connection))
        {
            command.Parameters.AddWithValue(target);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) laterCheckpoints.Add(reader.GetString(0));
        }
        try
        {
            await connection.Execute($"update {app.Names.Events} set data = jsonb_set(data, '{{name}}', '\"Mallory\"') where seq_id = $1", target);
            var forged = await SealedLog.ReadEvents(connection, app.Names, target - 1, target, CancellationToken.None).SingleAsync();
            await connection.Execute($"update {SealedLog.Leaves} set leaf_hash = $2, payload_hash = $3 where seq = $1",
                target, forged.Hash(), forged.PayloadHash);

            var report = await app.Verify(sequences[0], sequences[^1]);
            report.Mismatches.ShouldNotContain(m => m.Kind == MismatchKinds.Modified);
            report.Mismatches.ShouldContain(m => m.Kind == MismatchKinds.CheckpointInconsistent && m.TreeSize == kept.TreeSize);

            // The stored checkpoints gone too: the auditor's copy still tells.
            await connection.Execute($"delete from {SealedLog.Checkpoints} where tree_size > (select leaf_index from {SealedLog.Leaves} where seq = $1)", target);
            var withCopy = await app.Verify(sequences[0], sequences[^1], [kept]);
            withCopy.Mismatches.ShouldContain(m => m.Kind == MismatchKinds.CheckpointInconsistent && m.TreeSize == kept.TreeSize
                                                   && m.Detail.Contains("given"));
        }
        finally
        {
            await connection.Execute($"update {app.Names.Events} set data = $2::jsonb where seq_id = $1", target, data);
            await connection.Execute($"delete from {SealedLog.Leaves} where seq = $1", target);
            await Restore(connection, SealedLog.Leaves, leaf);
            foreach (var checkpoint in laterCheckpoints)
                await connection.Execute($"insert into {SealedLog.Checkpoints} select * from jsonb_populate_record(null::{SealedLog.Checkpoints}, $1::jsonb) on conflict do nothing", checkpoint);
        }
        (await app.Verify(sequences[0], sequences[^1], [kept])).Ok.ShouldBeTrue();
    }
}
