using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using EventCrm.Infrastructure.Storage;
using EventCrm.Marketing;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace EventCrm.Analytics;

/// <summary>
/// A campaign's report, from the marketing context's figures: JSON, CSV (one row per figure) or a funnel chart (PNG or
/// SVG) of expected, sent, delivered, opened and clicked. Here rather than in the marketing context because the
/// formats and charts are the analysts' (and this floor may read marketing's read models).
/// </summary>
public static class CampaignReport
{
    [WolverineGet("/api/marketing/campaigns/{campaignId}/report", OperationId = "GetCampaignReport", Summary = "A campaign's figures and rates",
        Description = "Audience, holdout, sent, delivered, bounced (hard/soft), opened, clicked, unsubscribed, complaints, cost; rates as Odoo computes them (a share of expected − cancelled). JSON, text/csv, image/png or image/svg+xml (a funnel).")]
    [Authorize(Policy = Policies.MarketingRead)]
    [Tags("Marketing", "Analytics")]
    public static async Task<IResult> Get(Guid campaignId, HttpContext http, IQuerySession session, NpgsqlDataSource database, StoreNames names,
        CancellationToken cancellation)
    {
        var figures = await CampaignResults.For(campaignId, session, database, names, cancellation);
        if (figures is null) return Results.Problem(Problems.NotFound($"No campaign has id {campaignId}."));
        return Formats.Respond(http, figures, () => Table(figures), () => Funnel(figures));
    }

    public static Table Table(CampaignFigures f)
    {
        var rows = new List<IReadOnlyList<object?>>
        {
            Row("audience", f.Audience, null), Row("holdout", f.Holdout, null), Row("expected", f.Expected, null),
            Row("cancelled", f.Cancelled, null), Row("pending", f.Pending, null), Row("sent", f.Sent, null),
            Row("delivered", f.Delivered, f.ReceivedRatio), Row("bounced", f.Bounced, f.BouncedRatio), Row("hardBounced", f.HardBounced, null),
            Row("softBounced", f.SoftBounced, null), Row("opened", f.Opened, f.OpenedRatio), Row("clicked", f.Clicked, f.ClickedRatio),
            Row("unsubscribed", f.Unsubscribed, f.UnsubscribedRatio), Row("complaints", f.Complaints, null),
            Row("resentAfterCrash", f.ResentAfterCrash, null),
        };
        rows.AddRange(f.SkippedBy.Select(s => Row($"skipped:{s.Key}", s.Value, null)));
        rows.AddRange(f.Touches.Select(t => Row($"touches:{t.Key}", t.Value, null)));
        rows.Add(["cost", f.Cost, null, f.Currency]);
        if (f.Budget is { } budget) rows.Add(["budget", budget, null, f.Currency]);
        return new Table(["figure", "value", "percent", "currency"], rows);
    }

    private static IReadOnlyList<object?> Row(string figure, long value, double? percent) => [figure, value, percent, null];

    public static ScottPlot.Plot Funnel(CampaignFigures f) => Charts.Bars($"{f.Name}: funnel", "stage", "recipients",
        [("expected", f.Expected), ("sent", f.Sent), ("delivered", f.Delivered), ("opened", f.Opened), ("clicked", f.Clicked)]);
}
