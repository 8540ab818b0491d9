using EventCrm.Infrastructure.Storage;
using Marten;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EventCrm.Audit;

/// <summary>
/// What erasure blanks in each kind of event. Every context that keeps personal data in its events declares its
/// rules here (<see cref="ErasureRulesRegistration.AddErasureRules"/>); each rule returns the masked copy of an
/// event and must give the same result when applied again.
/// </summary>
public sealed class ErasureRules
{
    private readonly Dictionary<Type, Func<object, object>> _rules = [];

    public ErasureRules Mask<TEvent>(Func<TEvent, TEvent> rule) where TEvent : notnull
    {
        _rules[typeof(TEvent)] = data => rule((TEvent)data);
        return this;
    }

    public bool TryMask(object data, out object masked)
    {
        if (_rules.TryGetValue(data.GetType(), out var rule))
        {
            masked = rule(data);
            return true;
        }
        masked = data;
        return false;
    }
}

public static class ErasureRulesRegistration
{
    public static IServiceCollection AddErasureRules(this IServiceCollection services, Action<ErasureRules> rules) =>
        services.Configure(rules);
}

/// <summary>Masks the personal data in a stream's earlier events, once its erasure event is committed. Any context sends it.</summary>
public record MaskErasedStream(Guid StreamId);

/// <summary>One payload an erasure masked: SHA-256 (hex) of the payload and headers before and after, as the database computed them.</summary>
public record MaskedPayload(long Sequence, string PayloadBefore, string PayloadAfter, string? HeadersBefore, string HeadersAfter);

/// <summary>
/// The sealed record of a masking: which events of <paramref name="StreamId"/> the erasure at
/// <paramref name="ErasureSequence"/> masked, with their hashes before and after. Appended in the masking's own
/// transaction and sealed like every event, so verification can tell a recorded erasure from an alteration.
/// </summary>
public record EventsMasked(Guid StreamId, long ErasureSequence, IReadOnlyList<MaskedPayload> Events);

/// <summary>
/// Erasure's narrow path. The application's role cannot update the event table; it may call one function,
/// <c>audit.mask_event</c> (SECURITY DEFINER, created by db-apply), which changes the payload of an event only when a
/// recorded erasure (an event carrying <see cref="IRecordsErasure"/>) follows it in the same stream, marks its
/// headers <c>masked</c>, writes what it changed to <c>audit.masked_events</c> and answers the hashes. The masked
/// payloads are computed here, by the contexts' <see cref="ErasureRules"/>, and the change is recorded as an
/// <see cref="EventsMasked"/> event on the same transaction.
/// </summary>
public sealed class EventMasking(IOptions<ErasureRules> rules, IDocumentStore store)
{
    public const string MaskedHeader = "masked";
    public const string Function = $"{Schemas.Audit}.mask_event";

    /// <summary>Masks what the stream's last erasure covers, on <paramref name="session"/>, which the caller commits.</summary>
    public async Task<EventsMasked?> Mask(IDocumentSession session, Guid streamId, DateTimeOffset at, CancellationToken cancellation)
    {
        var events = await session.Events.FetchStreamAsync(streamId, token: cancellation);
        var erasure = events.LastOrDefault(e => e.Data is IRecordsErasure);
        if (erasure is null) return null;

        await session.BeginTransactionAsync(cancellation);
        var connection = session.Connection!;
        var serializer = store.Options.Serializer();
        var masked = new List<MaskedPayload>();
        foreach (var e in events.Where(e => e.Version < erasure.Version))
        {
            if (!rules.Value.TryMask(e.Data, out var data)) continue;
            await using var command = new NpgsqlCommand($"select * from {Function}($1, $2::jsonb, $3)", connection);
            command.Parameters.AddWithValue(e.Sequence);
            command.Parameters.AddWithValue(serializer.ToJson(data));
            command.Parameters.AddWithValue(at);
            await using var reader = await command.ExecuteReaderAsync(cancellation);
            // No row: the payload was masked already.
            if (!await reader.ReadAsync(cancellation)) continue;
            masked.Add(new MaskedPayload(e.Sequence, Hex(reader[0]), Hex(reader[1]), reader.IsDBNull(2) ? null : Hex(reader[2]), Hex(reader[3])));
        }
        if (masked.Count == 0) return null;

        var record = new EventsMasked(streamId, erasure.Sequence, masked);
        session.Events.StartStream(Guid.CreateVersion7(), record);
        return record;
    }

    private static string Hex(object bytes) => Convert.ToHexStringLower((byte[])bytes);

    /// <summary>
    /// The function, for the erasure events the application knows (db-apply writes it again when one is added).
    /// Owned by the owner and running with its rights, it is the one way the application's role changes an event.
    /// </summary>
    public static string FunctionSql(StoreNames names, IReadOnlyCollection<string> erasureTypes) => $$"""
        create or replace function {{Function}}(p_sequence bigint, p_data jsonb, p_masked_at timestamptz)
        returns table (payload_before bytea, payload_after bytea, headers_before bytea, headers_after bytea)
        language plpgsql security definer set search_path = pg_catalog, pg_temp as $function$
        declare
            e record;
            erasure bigint;
            masked_headers jsonb;
        begin
            select seq_id, stream_id, version, data, headers into e from {{names.Events}} where seq_id = p_sequence for update;
            if not found then
                raise exception 'No event has sequence %', p_sequence using errcode = 'no_data_found';
            end if;
            select seq_id into erasure from {{names.Events}}
                where stream_id = e.stream_id and version > e.version
                  and type = any(array[{{string.Join(", ", erasureTypes.Select(t => $"'{t.Replace("'", "''")}'"))}}]::text[])
                order by version limit 1;
            if erasure is null then
                raise exception 'Event % may not be masked: no recorded erasure follows it in its stream', p_sequence
                    using errcode = 'insufficient_privilege';
            end if;
            if e.data = p_data then
                return;
            end if;
            masked_headers := coalesce(e.headers, '{}'::jsonb) || jsonb_build_object('{{MaskedHeader}}', p_masked_at);
            update {{names.Events}} set data = p_data, headers = masked_headers where seq_id = p_sequence;
            payload_before := sha256(convert_to(e.data::text, 'UTF8'));
            payload_after := sha256(convert_to(p_data::text, 'UTF8'));
            headers_before := case when e.headers is null then null else sha256(convert_to(e.headers::text, 'UTF8')) end;
            headers_after := sha256(convert_to(masked_headers::text, 'UTF8'));
            insert into {{SealedLog.MaskedEvents}} (seq, stream_id, erasure_seq, payload_before, payload_after, headers_before,
                headers_after, masked_at, masked_by)
            values (p_sequence, e.stream_id, erasure, payload_before, payload_after, headers_before, headers_after, p_masked_at, session_user);
            return next;
        end
        $function$;
        revoke all on function {{Function}}(bigint, jsonb, timestamptz) from public;
        """;
}

/// <summary>The masking message's handler: masks on the handler's session, which Wolverine commits.</summary>
public static class MaskErasedStreamHandler
{
    public static Task Handle(MaskErasedStream command, EventMasking masking, IDocumentSession session, TimeProvider clock,
        CancellationToken cancellation) =>
        masking.Mask(session, command.StreamId, clock.GetUtcNow(), cancellation);
}
