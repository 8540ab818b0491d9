using EventCrm.Infrastructure;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace EventCrm.Customers;

public record DuplicateSide(Guid Id, string? Name, string? Email, string? Phone, string? Country, int Version);

/// <summary>Two customers that may be one person, and why: the same phone, or very similar names in one country.</summary>
public record DuplicateCandidate(DuplicateSide First, DuplicateSide Second, string Reason, double Similarity);

/// <summary>
/// Customers that look like the same person. E-mail addresses are unique, so the signals are a shared phone
/// number and names whose trigram similarity is at least <see cref="NameSimilarity"/> within one country.
/// Merged and erased customers are left out. Review a pair, then merge with <c>POST /api/customers/{id}/merge</c>.
/// </summary>
public static class DuplicateCandidates
{
    public const double NameSimilarity = 0.8;

    public static ProblemDetails Validate(int? page, int? pageSize) =>
        new FieldErrors().CheckPaging(page, pageSize).ToProblem();

    [WolverineGet("/api/customers/duplicates", OperationId = "GetDuplicateCandidates", Summary = "Customers that may be duplicates",
        Description = "Pairs with the same phone number, or very similar names in the same country; most similar first.")]
    [Authorize(Policy = Policies.CustomersRead)]
    [Tags("Customers")]
    public static async Task<Page<DuplicateCandidate>> Get(int? page, int? pageSize, NpgsqlDataSource database,
        CancellationToken cancellation)
    {
        var size = pageSize ?? Paging.DefaultPageSize;
        var number = page ?? 1;
        var table = $"{CrmMarten.Schema}.mt_doc_customerprofile";
        const string open = "status not in ('Merged', 'Erased')";

        await using var connection = await database.OpenConnectionAsync(cancellation);
        await using var transaction = await connection.BeginTransactionAsync(cancellation);
        // '%' uses the trigram index with this threshold: only pairs this similar are ever compared.
        await using (var threshold = new NpgsqlCommand(
            $"set local pg_trgm.similarity_threshold = {NameSimilarity.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
            connection, transaction))
            await threshold.ExecuteNonQueryAsync(cancellation);

        await using var command = new NpgsqlCommand($"""
            with a as (select id, data, phone, country, lower(name) as name, mt_version from {table} where {open}),
            pairs as (
                select x.id as first, y.id as second, 'same phone' as reason, 1.0::float8 as similarity
                from a x join a y on x.phone = y.phone and x.id < y.id
                union
                select x.id, y.id, 'similar name', similarity(x.name, y.name)::float8
                from a x join a y on x.country = y.country and x.id < y.id and x.name % y.name
            )
            select p.first, f.data ->> 'name', f.data ->> 'email', f.phone, f.country, f.mt_version,
                   p.second, s.data ->> 'name', s.data ->> 'email', s.phone, s.country, s.mt_version,
                   p.reason, p.similarity, count(*) over () as total
            from pairs p join a f on f.id = p.first join a s on s.id = p.second
            order by p.similarity desc, p.first, p.second
            limit {size} offset {(long)(number - 1) * size}
            """, connection, transaction);

        var candidates = new List<DuplicateCandidate>();
        long total = 0;
        await using (var reader = await command.ExecuteReaderAsync(cancellation))
        {
            while (await reader.ReadAsync(cancellation))
            {
                candidates.Add(new DuplicateCandidate(Side(reader, 0), Side(reader, 6), reader.GetString(12),
                    Math.Round(reader.GetDouble(13), 3)));
                total = reader.GetInt64(14);
            }
        }
        await transaction.CommitAsync(cancellation);
        return new Page<DuplicateCandidate>(candidates, number, size, total);
    }

    private static DuplicateSide Side(NpgsqlDataReader reader, int at) => new(
        reader.GetGuid(at),
        reader.IsDBNull(at + 1) ? null : reader.GetString(at + 1),
        reader.IsDBNull(at + 2) ? null : reader.GetString(at + 2),
        reader.IsDBNull(at + 3) ? null : reader.GetString(at + 3),
        reader.IsDBNull(at + 4) ? null : reader.GetString(at + 4),
        reader.GetInt32(at + 5));
}
