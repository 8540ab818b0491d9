using EventCrm.Audit;
using EventCrm.Infrastructure.Security;
using EventCrm.Tests.Customers;
using Npgsql;

namespace EventCrm.Tests.Audit;

/// <summary>
/// Erasure changes payloads that were sealed. Verification accepts the change because it is recorded: an erasure
/// event follows in the stream and a sealed masking record gives the hashes before and after. A change without that
/// record, in the same stream, is still an alteration.
/// </summary>
[Collection(AppCollection.Name)]
public class when_an_erased_payload_is_verified(AppFixture app)
{
    /// <summary>A customer with personal data, sealed before it is erased; answers its id and its events' sequences.</summary>
    private async Task<(Guid Id, long[] Sequences)> ErasedAfterSealing()
    {
        var id = await app.RegisterWith(new { name = "Vera Verified", email = AppFixture.NewEmail("vera"), phone = "+4915100001111", tags = new[] { "vera" } });
        await app.Succeed(id, "contact-details", new { version = 1, email = AppFixture.NewEmail("vera.moved") });
        await app.SealedUpTo(await app.LastSequence());

        await app.ScenarioAndWait(s =>
        {
            s.WithBearerToken(app.TokenFor("dpo", Roles.Admin));
            s.Post.Json(new { version = 2, reason = "Art. 17 request #2026-301" }).ToUrl($"/api/customers/{id}/erasure");
        });
        await app.Checkpointed();

        await using var connection = app.Superuser();
        await using var command = new NpgsqlCommand($"select seq_id from {app.Names.Events} where stream_id = $1 order by version", connection);
        command.Parameters.AddWithValue(id);
        var sequences = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) sequences.Add(reader.GetInt64(0));
        return (id, [.. sequences]);
    }

    [Fact]
    public async Task masked_payloads_are_explained_by_their_erasure()
    {
        var (id, sequences) = await ErasedAfterSealing();
        var erasure = sequences[^1];

        var report = await app.Verify(sequences[0], await app.LastSequence());

        report.Ok.ShouldBeTrue(string.Join("; ", report.Mismatches.Select(m => $"{m.Kind} {m.Sequence} {m.Detail}")));
        var masked = report.Masked.Where(m => m.StreamId == id).ToList();
        masked.Select(m => m.Sequence).ShouldBe([sequences[0], sequences[1]]);
        masked.ShouldAllBe(m => m.ErasureSequence == erasure && m.ErasureType == "customer_erased" && m.MaskingSequence > erasure);
    }

    [Fact]
    public async Task the_masking_is_recorded_by_the_database_with_who_did_it()
    {
        var (_, sequences) = await ErasedAfterSealing();
        await using var connection = app.Superuser();
        var recorded = (long)(await connection.Execute(
            $"select count(*) from {SealedLog.MaskedEvents} where seq = any($1) and erasure_seq = $2 and masked_by = 'eventcrm' and payload_before <> payload_after",
            new[] { sequences[0], sequences[1] }, sequences[^1]))!;
        recorded.ShouldBe(2);
    }

    [Fact]
    public async Task an_unrecorded_change_in_an_erased_stream_is_still_modified()
    {
        var (_, sequences) = await ErasedAfterSealing();
        var target = sequences[0];
        await using var connection = app.Superuser();
        var before = (string)(await connection.Execute($"select data::text from {app.Names.Events} where seq_id = $1", target))!;
        try
        {
            await connection.Execute($"update {app.Names.Events} set data = jsonb_set(data, '{{country}}', '\"XX\"') where seq_id = $1", target);

            var report = await app.Verify(sequences[0], sequences[^1]);

            report.FirstMismatch.ShouldNotBeNull().Kind.ShouldBe(MismatchKinds.Modified);
            report.FirstMismatch.Sequence.ShouldBe(target);
            report.Masked.ShouldNotContain(m => m.Sequence == target);
        }
        finally
        {
            await connection.Execute($"update {app.Names.Events} set data = $2::jsonb where seq_id = $1", target, before);
        }
    }

    [Fact]
    public async Task a_masking_record_without_its_erasure_explains_nothing()
    {
        var (_, sequences) = await ErasedAfterSealing();
        var erasure = sequences[^1];
        await using var connection = app.Superuser();
        var row = (string)(await connection.Execute($"select to_jsonb(e)::text from {app.Names.Events} e where seq_id = $1", erasure))!;
        try
        {
            // The erasure event removed: the masked payloads lose their explanation (and the erasure is missing).
            await connection.Execute($"delete from {app.Names.Events} where seq_id = $1", erasure);

            var report = await app.Verify(sequences[0], erasure);

            report.Mismatches.Select(m => (m.Kind, m.Sequence)).ShouldBe([
                (MismatchKinds.Modified, sequences[0]), (MismatchKinds.Modified, sequences[1]), (MismatchKinds.Missing, erasure)]);
        }
        finally
        {
            await connection.Execute($"insert into {app.Names.Events} select * from jsonb_populate_record(null::{app.Names.Events}, $1::jsonb)", row);
        }
    }
}
