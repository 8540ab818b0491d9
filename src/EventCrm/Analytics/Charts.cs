using EventCrm.Infrastructure.Http;
using ScottPlot;

namespace EventCrm.Analytics;

/// <summary>The charts analysts ask for, drawn with ScottPlot: titled, with labelled axes.</summary>
public static class Charts
{
    /// <summary>A pie shows this many parts at most; the rest are drawn together as "other".</summary>
    public const int MaxSlices = 12;

    /// <summary>A bar chart shows this many of the largest parts at most (the table has them all).</summary>
    public const int MaxBars = 20;

    /// <summary>
    /// A heat map of cells that are all empty (no one matched the filters) has no scale to draw: the plot says
    /// so in words instead, and the caller draws nothing more.
    /// </summary>
    public static bool NothingToDraw(Plot plot, double[,] values, string message)
    {
        if (!values.Cast<double>().All(double.IsNaN)) return false;
        plot.Add.Text(message, 0, 0).LabelFontSize = 18;
        plot.HideGrid();
        return true;
    }

    public static FieldErrors CheckChart(this FieldErrors errors, string? chart) =>
        chart is null or "bar" or "pie" ? errors : errors.Add("chart", "'chart' is bar or pie.");

    /// <summary>Parts of a whole as bars (the default) or a pie.</summary>
    public static Plot Breakdown(string? chart, string title, string xLabel, string yLabel, IReadOnlyList<(string Label, double Value)> parts)
    {
        var largest = parts.OrderByDescending(p => p.Value).ToList();
        if (chart == "pie")
        {
            IReadOnlyList<(string Label, double Value)> slices = largest.Count <= MaxSlices
                ? largest
                : [.. largest.Take(MaxSlices - 1), ("other", largest.Skip(MaxSlices - 1).Sum(p => p.Value))];
            return Pie(title, slices);
        }
        return largest.Count <= MaxBars
            ? Bars(title, xLabel, yLabel, largest)
            : Bars($"{title}, largest {MaxBars} of {largest.Count}", xLabel, yLabel, [.. largest.Take(MaxBars)]);
    }

    public static Plot Bars(string title, string xLabel, string yLabel, IReadOnlyList<(string Label, double Value)> bars) =>
        GroupedBars(title, xLabel, yLabel, [.. bars.Select(b => b.Label)], [(yLabel, [.. bars.Select(b => b.Value)])]);

    /// <summary>Several measures side by side per label, one colour (and legend entry) per measure.</summary>
    public static Plot GroupedBars(string title, string xLabel, string yLabel, IReadOnlyList<string> labels,
        IReadOnlyList<(string Name, IReadOnlyList<double> Values)> measures)
    {
        var plot = new Plot();
        var width = 0.8 / Math.Max(1, measures.Count);
        for (var m = 0; m < measures.Count; m++)
        {
            var color = measures.Count == 1 ? Colors.SteelBlue : Colors.Category10[m % 10];
            var series = plot.Add.Bars(measures[m].Values.Select((value, i) => new Bar
            {
                Position = i - 0.4 + width * (m + 0.5),
                Value = value,
                Size = width * 0.95,
                FillColor = color,
            }).ToList());
            if (measures.Count > 1) series.LegendText = measures[m].Name;
        }
        Labels(plot, labels);
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.Axes.Margins(bottom: 0);
        if (measures.Count > 1) plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    public static Plot Pie(string title, IReadOnlyList<(string Label, double Value)> slices)
    {
        var plot = new Plot();
        var total = slices.Sum(s => s.Value);
        var pie = plot.Add.Pie([.. slices.Select((s, i) => new PieSlice
        {
            Value = s.Value,
            Label = total > 0 && s.Value / total >= 0.03 ? $"{s.Value / total:P0}" : "",
            LegendText = s.Label,
            FillColor = Colors.Category10[i % 10],
        })]);
        pie.SliceLabelDistance = 1.15;
        plot.HideAxesAndGrid();
        plot.Title(title);
        plot.Axes.Title.IsVisible = true;
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    /// <summary>Monthly series: those on the left axis share its unit; an optional series on the right axis has its own.</summary>
    /// <summary>
    /// Monthly lines. Months from <paramref name="complete"/> on are not over yet: their stretch of each line is dotted
    /// and their tick says "to date", so a month that has only begun does not read as a collapse. Counts start at zero;
    /// the right axis keeps the range given (a 1-5 score drawn on 1-5, not stretched over its own wobble).
    /// </summary>
    public static Plot Lines(string title, IReadOnlyList<string> months, string leftLabel,
        IReadOnlyList<(string Name, IReadOnlyList<double?> Values)> left, (string Label, IReadOnlyList<double?> Values)? right = null,
        int? complete = null, (double Low, double High)? rightRange = null)
    {
        var plot = new Plot();
        var done = Math.Clamp(complete ?? months.Count, 0, months.Count);
        var palette = 0;

        void Draw(string name, IReadOnlyList<double?> values, bool onRight)
        {
            var color = Colors.Category10[palette++ % 10];
            var ys = values.Select(v => v ?? double.NaN).ToArray();
            var solid = plot.Add.Scatter(Enumerable.Range(0, done).Select(i => (double)i).ToArray(), ys[..done]);
            solid.LegendText = name;
            solid.Color = color;
            if (onRight) { solid.LinePattern = LinePattern.Dashed; solid.Axes.YAxis = plot.Axes.Right; }
            if (done >= months.Count) return;
            var from = Math.Max(0, done - 1);
            var partial = plot.Add.Scatter(Enumerable.Range(from, months.Count - from).Select(i => (double)i).ToArray(), ys[from..]);
            partial.Color = color;
            partial.LinePattern = LinePattern.Dotted;
            partial.MarkerShape = MarkerShape.OpenCircle;
            if (onRight) partial.Axes.YAxis = plot.Axes.Right;
            if (done == 0) partial.LegendText = name;
        }

        foreach (var (name, values) in left) Draw(name, values, onRight: false);
        if (right is { } series)
        {
            Draw(series.Label, series.Values, onRight: true);
            plot.Axes.Right.Label.Text = series.Label;
            if (rightRange is { } range) plot.Axes.SetLimitsY(range.Low, range.High, plot.Axes.Right);
        }
        var step = Math.Max(1, (int)Math.Ceiling(months.Count / 24.0));
        Labels(plot, [.. months.Select((m, i) => i >= done ? $"{m} (to date)" : i % step == 0 ? m : "")]);
        plot.Title(title);
        plot.XLabel("month");
        plot.YLabel(leftLabel);
        plot.Axes.AutoScale();
        var top = left.SelectMany(l => l.Values).Select(v => v ?? 0).DefaultIfEmpty(0).Max();
        plot.Axes.SetLimitsY(0, Math.Max(1, top) * 1.08, plot.Axes.Left);
        if (right is not null && rightRange is { } fixedRange) plot.Axes.SetLimitsY(fixedRange.Low, fixedRange.High, plot.Axes.Right);
        if (left.Count + (right is null ? 0 : 1) > 1) plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }

    /// <summary>Category labels under positions 0, 1, 2...; slanted, with room made for them, when they would collide.</summary>
    /// <summary>Category names under the x axis, turned when they are long.</summary>
    internal static void Labels(Plot plot, IReadOnlyList<string> labels)
    {
        const int maxLength = 30;
        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, labels.Count).Select(i => (double)i)],
            [.. labels.Select(l => l.Length <= maxLength ? l : l[..(maxLength - 1)] + "…")]);
        var longest = labels.Count == 0 ? 0 : Math.Min(maxLength, labels.Max(l => l.Length));
        if (labels.Count * Math.Max(longest, 1) * 8 < Formats.ChartWidth * 0.8) return;
        plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Bottom.MinimumSize = 40 + (float)(longest * 7 * 0.72);
    }
}
