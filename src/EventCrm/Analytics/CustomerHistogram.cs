using ScottPlot;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace EventCrm.Analytics;

public record HistogramResult(string Field, int Bins, long Count, IReadOnlyList<double> Edges, IReadOnlyList<long> Counts);

/// <summary>
/// Equal-width bins from the minimum to the maximum, each closed on the left, the last also on the right:
/// numpy's <c>histogram(values, bins)</c>. The edges are worked out here the way numpy does and PostgreSQL
/// counts against them, so a value on an edge lands where numpy puts it.
/// </summary>
public static class CustomerHistogramEndpoint
{
    public const int MaxBins = 200;

    public static ProblemDetails Validate(string? field, int? bins, [AsParameters] CustomerFilter filter)
    {
        var errors = new FieldErrors().CheckFields("field", CustomerFacts.Split(field), 1, 1).CheckFilter(filter);
        if (bins is < 1 or > MaxBins) errors.Add("bins", $"'bins' is 1-{MaxBins}.");
        return errors.ToProblem();
    }

    [WolverineGet("/api/analytics/customers/histogram", OperationId = "CustomerHistogram", Summary = "A histogram of one customer field",
        Description = "field=age&bins=10 (default 10); filters as for describe. JSON, CSV, PNG or SVG.")]
    [Authorize(Policy = Policies.AnalyticsRead)]
    [Tags("Analytics")]
    [ProducesResponseType(typeof(HistogramResult), 200, "application/json", "text/csv", "image/png", "image/svg+xml")]
    public static async Task<IResult> Get(string? field, int? bins, CustomerFilter filter, HttpContext http,
        NpgsqlDataSource database, TimeProvider clock, CancellationToken cancellation)
    {
        var name = field!.Trim();
        var count = bins ?? 10;
        var now = clock.GetUtcNow();

        double? min, max;
        long n;
        await using (var range = database.CreateCommand())
        {
            var where = CustomerFacts.Where(filter, range, now);
            range.CommandText = $"select count(v), min(v), max(v) from (select {CustomerFacts.Fields[name]} as v from {CustomerFacts.View} where {where} offset 0) x";
            await using var reader = await range.ExecuteReaderAsync(cancellation);
            await reader.ReadAsync(cancellation);
            n = reader.GetInt64(0);
            min = DescribeCustomersEndpoint.Number(reader, 1);
            max = DescribeCustomersEndpoint.Number(reader, 2);
        }

        var edges = n == 0 ? [] : Edges(min!.Value, max!.Value, count);
        var counts = new long[n == 0 ? 0 : count];
        if (n > 0)
        {
            await using var command = database.CreateCommand();
            var where = CustomerFacts.Where(filter, command, now);
            command.CommandText = $"""
                select width_bucket(v, @thresholds), count(*)
                from (select {CustomerFacts.Fields[name]} as v from {CustomerFacts.View} where {where} offset 0) x
                where v is not null group by 1
                """;
            command.Parameters.AddWithValue("thresholds", edges.Take(count).ToArray());
            await using var reader = await command.ExecuteReaderAsync(cancellation);
            while (await reader.ReadAsync(cancellation)) counts[reader.GetInt32(0) - 1] += reader.GetInt64(1);
        }

        var result = new HistogramResult(name, count, n, edges, counts);
        return Formats.Respond(http, result,
            () => new Table(["binStart", "binEnd", "count"],
                [.. counts.Select((c, i) => (IReadOnlyList<object?>)[edges[i], edges[i + 1], c])]),
            () => Chart(result));
    }

    /// <summary>numpy's edges: linspace(min, max, bins + 1), widened by 0.5 either side when all values are equal.</summary>
    public static double[] Edges(double min, double max, int bins)
    {
        if (min == max) (min, max) = (min - 0.5, max + 0.5);
        var step = (max - min) / bins;
        var edges = new double[bins + 1];
        for (var i = 0; i < bins; i++) edges[i] = min + i * step;
        edges[bins] = max;
        return edges;
    }

    private static Plot Chart(HistogramResult histogram)
    {
        var plot = new Plot();
        for (var i = 0; i < histogram.Counts.Count; i++)
        {
            plot.Add.Bar(new Bar
            {
                Position = (histogram.Edges[i] + histogram.Edges[i + 1]) / 2,
                Value = histogram.Counts[i],
                Size = histogram.Edges[i + 1] - histogram.Edges[i],
                FillColor = Colors.SteelBlue,
            });
        }
        plot.Title($"Customers by {histogram.Field} ({histogram.Count:N0} with a value, {histogram.Bins} bins)");
        plot.XLabel(histogram.Field);
        plot.YLabel("customers");
        plot.Axes.Margins(bottom: 0);
        return plot;
    }
}
