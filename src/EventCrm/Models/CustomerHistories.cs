using EventCrm.Customers;
using EventCrm.Infrastructure;
using Npgsql;

namespace EventCrm.Models;

/// <summary>What the event store says about one customer, with the business time of every fact.</summary>
public sealed class CustomerHistory
{
    public Guid Id { get; init; }
    public DateTimeOffset RegisteredAt { get; set; }
    public string? Source { get; set; }
    /// <summary>Demographics as stated, each with when it was stated; the latest up to a cutoff counts.</summary>
    public List<(DateTimeOffset At, DateOnly? BirthDate, int? Age, decimal? Income, string? Country)> Demographics { get; } = [];
    public List<(Guid Id, DateTimeOffset At, decimal Amount)> Purchases { get; } = [];
    public List<(DateTimeOffset At, bool Complaint)> Tickets { get; } = [];
    /// <summary>Deactivations (true) and reactivations (false), in order.</summary>
    public List<(DateTimeOffset At, bool Inactive)> Activity { get; } = [];
    /// <summary>Merged into another customer or erased: no longer a customer of its own.</summary>
    public bool Gone { get; set; }
}

/// <summary>
/// The customers' histories read straight from the event store, so that features can be taken as of any
/// cutoff and labels from what happened after it: nothing a read model has folded away (or a later change
/// overwrote) leaks across the cutoff. Purchases count in the house currency; a merge's purchases count for
/// the survivor; voided purchases do not count.
/// </summary>
public sealed class CustomerHistories(NpgsqlDataSource database, CustomerRules rules)
{
    private const string Events = $"{CrmMarten.Schema}.mt_events";

    public async Task<Dictionary<Guid, CustomerHistory>> Load(Guid? only, CancellationToken cancellation)
    {
        var histories = new Dictionary<Guid, CustomerHistory>();
        CustomerHistory Of(Guid id) => histories.TryGetValue(id, out var h) ? h : histories[id] = new CustomerHistory { Id = id };

        await using var command = database.CreateCommand($"""
            select e.stream_id, e.type,
                   coalesce(e.data ->> 'registeredAt', e.data ->> 'changedAt', e.data ->> 'purchasedAt', e.data ->> 'at', e.data ->> 'openedAt')::timestamptz,
                   e.data -> 'demographics' ->> 'birthDate', (e.data -> 'demographics' ->> 'age')::int,
                   (e.data -> 'demographics' ->> 'annualIncome')::numeric, e.data -> 'demographics' ->> 'country',
                   e.data ->> 'acquisitionSource', (e.data ->> 'purchaseId')::uuid, (e.data ->> 'amount')::numeric, e.data ->> 'currency',
                   (e.data ->> 'customerId')::uuid, e.data ->> 'kind'
            from {Events} e
            where e.type in ('customer_registered', 'demographics_changed', 'purchase_recorded', 'purchase_voided',
                             'customer_deactivated', 'customer_reactivated', 'customer_merged_into', 'customer_erased', 'ticket_opened')
              and ($1::uuid is null or e.stream_id = $1 or (e.type = 'ticket_opened' and (e.data ->> 'customerId')::uuid = $1))
            order by e.seq_id
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid?> { TypedValue = only });
        var voided = new HashSet<Guid>();
        await using (var reader = await command.ExecuteReaderAsync(cancellation))
        {
            while (await reader.ReadAsync(cancellation))
            {
                var stream = reader.GetGuid(0);
                var at = reader.GetFieldValue<DateTimeOffset>(2);
                switch (reader.GetString(1))
                {
                    case "customer_registered":
                        var registered = Of(stream);
                        registered.RegisteredAt = at;
                        registered.Source = reader.IsDBNull(7) ? null : reader.GetString(7);
                        registered.Demographics.Add(Demographics(reader, at));
                        break;
                    case "demographics_changed":
                        Of(stream).Demographics.Add(Demographics(reader, at));
                        break;
                    case "purchase_recorded" when reader.GetString(10) == rules.HouseCurrency:
                        Of(stream).Purchases.Add((reader.GetGuid(8), at, reader.GetDecimal(9)));
                        break;
                    case "purchase_voided":
                        voided.Add(reader.GetGuid(8));
                        break;
                    case "customer_deactivated":
                        Of(stream).Activity.Add((at, true));
                        break;
                    case "customer_reactivated":
                        Of(stream).Activity.Add((at, false));
                        break;
                    case "customer_merged_into" or "customer_erased":
                        Of(stream).Gone = true;
                        break;
                    case "ticket_opened":
                        Of(reader.GetGuid(11)).Tickets.Add((at, reader.GetString(12) == nameof(Service.TicketKind.Complaint)));
                        break;
                }
            }
        }

        // A merge hands the duplicate's purchases to the survivor.
        await using (var merges = database.CreateCommand($"""
            select e.stream_id, (p ->> 'purchaseId')::uuid, (p ->> 'purchasedAt')::timestamptz, (p ->> 'amount')::numeric
            from {Events} e cross join lateral jsonb_array_elements(e.data -> 'purchases') p
            where e.type = 'customer_merged' and p ->> 'currency' = $1 and ($2::uuid is null or e.stream_id = $2)
            """))
        {
            merges.Parameters.AddWithValue(rules.HouseCurrency);
            merges.Parameters.Add(new NpgsqlParameter<Guid?> { TypedValue = only });
            await using var reader = await merges.ExecuteReaderAsync(cancellation);
            while (await reader.ReadAsync(cancellation))
                Of(reader.GetGuid(0)).Purchases.Add((reader.GetGuid(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetDecimal(3)));
        }

        foreach (var history in histories.Values)
            history.Purchases.RemoveAll(p => voided.Contains(p.Id));
        // Ticket streams can name customers the filter or the registrations did not produce: keep real customers only.
        foreach (var id in histories.Where(h => h.Value.RegisteredAt == default || h.Value.Gone).Select(h => h.Key).ToList())
            histories.Remove(id);
        return histories;
    }

    private static (DateTimeOffset, DateOnly?, int?, decimal?, string?) Demographics(NpgsqlDataReader reader, DateTimeOffset at) =>
        (at, reader.IsDBNull(3) ? null : DateOnly.Parse(reader.GetString(3), System.Globalization.CultureInfo.InvariantCulture),
         reader.IsDBNull(4) ? null : reader.GetInt32(4), reader.IsDBNull(5) ? null : reader.GetDecimal(5),
         reader.IsDBNull(6) ? null : reader.GetString(6));
}
