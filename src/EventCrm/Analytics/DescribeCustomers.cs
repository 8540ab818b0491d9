using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace EventCrm.Analytics;

/// <summary>The figures pandas' <c>describe()</c> gives for one field.</summary>
public record FieldSummary(long Count, double? Mean, double? Std, double? Min, double? P25, double? P50, double? P75, double? Max);

public record DescribeGroup(string? Group, IReadOnlyDictionary<string, FieldSummary> Fields);

public record DescribeResult(string? GroupBy, IReadOnlyList<DescribeGroup> Groups);

/// <summary>
/// Count, mean, sample standard deviation, min, quartiles (linear interpolation) and max per field, missing
/// values left out per field: pandas' <c>DataFrame.describe()</c>, computed by PostgreSQL.
/// </summary>
public static class DescribeCustomersEndpoint
{
    public static ProblemDetails Validate(string? fields, string? groupBy, [AsParameters] CustomerFilter filter)
    {
        var errors = new FieldErrors().CheckFields("fields", CustomerFacts.Split(fields), 1, CustomerFacts.Fields.Count).CheckFilter(filter);
        if (groupBy is not null && !CustomerFacts.Groups.ContainsKey(groupBy))
            errors.Add("groupBy", $"'groupBy' is one of {string.Join(", ", CustomerFacts.Groups.Keys)}.");
        return errors.ToProblem();
    }

    [WolverineGet("/api/analytics/customers/describe", OperationId = "DescribeCustomers", Summary = "Summary statistics of customer fields",
        Description = "fields=age,income,totalSpent,purchaseCount,averagePurchase,daysSinceLastPurchase,tenureDays; optional groupBy and filters. JSON or CSV.")]
    [Authorize(Policy = Policies.AnalyticsRead)]
    [Tags("Analytics")]
    [ProducesResponseType(typeof(DescribeResult), 200, "application/json", "text/csv")]
    public static async Task<IResult> Get(string? fields, string? groupBy, CustomerFilter filter,
        HttpContext http, NpgsqlDataSource database, TimeProvider clock, CancellationToken cancellation)
    {
        var names = CustomerFacts.Split(fields);
        await using var command = database.CreateCommand();
        var where = CustomerFacts.Where(filter, command, clock.GetUtcNow());
        var group = groupBy is null ? "null::text" : CustomerFacts.Groups[groupBy];
        var aggregates = string.Join(",\n", names.Select((_, i) =>
            $"count(f{i}), avg(f{i}), stddev_samp(f{i}), min(f{i}), " +
            $"percentile_cont(array[0.25, 0.5, 0.75]) within group (order by f{i}), max(f{i})"));
        var columns = string.Join(", ", names.Select((name, i) => $"{CustomerFacts.Fields[name]} as f{i}"));
        command.CommandText = $"""
            select g, {aggregates}
            from (select {group} as g, {columns} from {CustomerFacts.View} where {where} offset 0) x
            group by g order by g nulls first
            """;

        var groups = new List<DescribeGroup>();
        await using (var reader = await command.ExecuteReaderAsync(cancellation))
        {
            while (await reader.ReadAsync(cancellation))
            {
                var summaries = new Dictionary<string, FieldSummary>();
                for (var i = 0; i < names.Count; i++)
                {
                    var at = 1 + i * 6;
                    var quartiles = reader.IsDBNull(at + 4) ? null : reader.GetFieldValue<double?[]>(at + 4);
                    summaries[names[i]] = new FieldSummary(reader.GetInt64(at), Number(reader, at + 1), Number(reader, at + 2),
                        Number(reader, at + 3), quartiles?[0], quartiles?[1], quartiles?[2], Number(reader, at + 5));
                }
                groups.Add(new DescribeGroup(reader.IsDBNull(0) ? null : reader.GetString(0), summaries));
            }
        }

        var result = new DescribeResult(groupBy, groups);
        return Formats.Respond(http, result, () => new Table(
            ["group", "field", "count", "mean", "std", "min", "25%", "50%", "75%", "max"],
            [.. groups.SelectMany(g => g.Fields.Select(f => (IReadOnlyList<object?>)
                [g.Group, f.Key, f.Value.Count, f.Value.Mean, f.Value.Std, f.Value.Min, f.Value.P25, f.Value.P50, f.Value.P75, f.Value.Max]))]));
    }

    internal static double? Number(NpgsqlDataReader reader, int at) =>
        reader.IsDBNull(at) ? null : Convert.ToDouble(reader.GetValue(at));
}
