using ScottPlot;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace EventCrm.Analytics;

public record CorrelationResult(IReadOnlyList<string> Fields, IReadOnlyList<IReadOnlyList<double?>> Matrix,
    IReadOnlyList<IReadOnlyList<long>> Pairs);

/// <summary>
/// Pearson correlation of every pair of fields over the rows where both are present (pandas'
/// <c>DataFrame.corr()</c>); <c>pairs</c> says how many rows each coefficient rests on. Null where a field
/// does not vary.
/// </summary>
public static class CustomerCorrelationEndpoint
{
    public static ProblemDetails Validate(string? fields, [AsParameters] CustomerFilter filter) =>
        new FieldErrors().CheckFields("fields", CustomerFacts.Split(fields), 2, CustomerFacts.Fields.Count).CheckFilter(filter).ToProblem();

    [WolverineGet("/api/analytics/customers/correlation", OperationId = "CustomerCorrelation", Summary = "Correlation matrix of customer fields",
        Description = "fields=age,income,totalSpent (two or more); filters as for describe. JSON, CSV, or a heatmap as PNG or SVG.")]
    [Authorize(Policy = Policies.AnalyticsRead)]
    [Tags("Analytics")]
    [ProducesResponseType(typeof(CorrelationResult), 200, "application/json", "text/csv", "image/png", "image/svg+xml")]
    public static async Task<IResult> Get(string? fields, CustomerFilter filter, HttpContext http,
        NpgsqlDataSource database, TimeProvider clock, CancellationToken cancellation)
    {
        var names = CustomerFacts.Split(fields);
        await using var command = database.CreateCommand();
        var where = CustomerFacts.Where(filter, command, clock.GetUtcNow());
        var pairs = new List<(int I, int J)>();
        for (var i = 0; i < names.Count; i++)
            for (var j = i; j < names.Count; j++) pairs.Add((i, j));
        var columns = string.Join(", ", names.Select((name, i) => $"{CustomerFacts.Fields[name]} as f{i}"));
        var aggregates = string.Join(", ", pairs.Select(p => $"corr(f{p.I}, f{p.J}), regr_count(f{p.I}, f{p.J})"));
        command.CommandText = $"select {aggregates} from (select {columns} from {CustomerFacts.View} where {where} offset 0) x";

        var matrix = names.Select(_ => new double?[names.Count]).ToArray();
        var counts = names.Select(_ => new long[names.Count]).ToArray();
        await using (var reader = await command.ExecuteReaderAsync(cancellation))
        {
            await reader.ReadAsync(cancellation);
            for (var k = 0; k < pairs.Count; k++)
            {
                var (i, j) = pairs[k];
                matrix[i][j] = matrix[j][i] = DescribeCustomersEndpoint.Number(reader, 2 * k);
                counts[i][j] = counts[j][i] = reader.GetInt64(2 * k + 1);
            }
        }

        var result = new CorrelationResult(names, matrix, counts);
        return Formats.Respond(http, result,
            () => new Table(["field", .. names],
                [.. names.Select((name, i) => (IReadOnlyList<object?>)[name, .. matrix[i].Cast<object?>()])]),
            () => Chart(result));
    }

    private static Plot Chart(CorrelationResult correlation)
    {
        var size = correlation.Fields.Count;
        var values = new double[size, size];
        for (var i = 0; i < size; i++)
            for (var j = 0; j < size; j++)
                values[i, j] = correlation.Matrix[i][j] ?? double.NaN;

        // Row 0 of the heatmap is drawn at the top, at y = size - 1.
        var plot = new Plot();
        if (Charts.NothingToDraw(plot, values, "Too few customers to correlate these fields."))
        {
            plot.Title("Pearson correlation (pairwise complete rows)");
            return plot;
        }
        var heatmap = plot.Add.Heatmap(values);
        heatmap.Colormap = new ScottPlot.Colormaps.Balance();
        heatmap.ManualRange = new ScottPlot.Range(-1, 1);
        plot.Add.ColorBar(heatmap).Label = "r";
        for (var i = 0; i < size; i++)
            for (var j = 0; j < size; j++)
            {
                var text = plot.Add.Text(correlation.Matrix[i][j] is { } r ? r.ToString("0.00") : "n/a", j, size - 1 - i);
                text.Alignment = Alignment.MiddleCenter;
                text.LabelFontColor = Math.Abs(correlation.Matrix[i][j] ?? 0) > 0.6 ? Colors.White : Colors.Black;
            }
        Charts.Labels(plot, [.. correlation.Fields]);
        plot.Axes.Left.SetTicks([.. Enumerable.Range(0, size).Select(i => (double)(size - 1 - i))], [.. correlation.Fields]);
        plot.Title("Pearson correlation (pairwise complete rows)");
        plot.XLabel("field");
        plot.YLabel("field");
        return plot;
    }
}
