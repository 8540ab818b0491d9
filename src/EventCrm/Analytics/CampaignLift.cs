using EventCrm.Customers;
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

/// <summary>One side of the comparison: its members, how many converted in their window, and what they spent in it.</summary>
public record LiftGroup(long Members, long Converted, double? Rate, decimal Revenue);

public record LiftInterval(double Level, double? Low, double? High);

/// <summary>A campaign's measured effect: treated against holdout within <c>WindowDays</c> of each member's assignment.</summary>
public record CampaignLift(
    Guid CampaignId,
    string Name,
    int WindowDays,
    string Currency,
    long Population,
    long NotYetAssigned,
    LiftGroup Treated,
    LiftGroup Holdout,
    double? Uplift,
    double? RelativeLift,
    double? Z,
    double? PValue,
    LiftInterval Interval,
    bool? Significant,
    string? Reason,
    IReadOnlyList<AssociationRule> Rules,
    decimal? IncrementalRevenue);

/// <summary>A frozen member of a campaign: whether held out, and when it was assigned (null while its batch waits to be sent).</summary>
public sealed record LiftMember(Guid CustomerId, bool Holdout, DateTimeOffset? AssignedAt);

/// <summary>
/// Did the campaign change behaviour? Over its frozen audience (treated and holdout), a member converted if it made a
/// purchase in the house currency, not voided, within the window after its assignment: the send of its batch, or,
/// for the holdout (never sent) and for channels the system does not send, the freeze of the audience.
/// </summary>
public static class CampaignLiftEndpoint
{
    public const int DefaultWindowDays = 30;
    public const int MaxWindowDays = 365;

    public static ProblemDetails Validate(int? windowDays) =>
        windowDays is < 1 or > MaxWindowDays
            ? new FieldErrors().Add("windowDays", $"'windowDays' is a whole number of days from 1 to {MaxWindowDays}.").ToProblem()
            : Problems.None;

    [WolverineGet("/api/analytics/campaigns/{campaignId}/lift", OperationId = "GetCampaignLift", Summary = "A campaign's measured lift against its holdout",
        Description = "Conversion rates of the treated and the holdout within windowDays (default 30) of their assignment, absolute uplift, relative lift, the pooled two-proportion z-test with its two-sided p-value, the 95 % interval of the difference (unpooled standard error), the rules touched → converted and clicked → converted (support, confidence, lift), and the incremental revenue. A cell of the 2×2 table under 5: the numbers, with significant null and the reason. JSON, text/csv, or a chart as image/png or image/svg+xml (the two rates and the uplift with its interval).")]
    [Authorize(Policy = Policies.MarketingRead)]
    [Tags("Analytics", "Marketing")]
    [ProducesResponseType(typeof(CampaignLift), 200, "application/json", "text/csv", "image/png", "image/svg+xml")]
    [ProducesResponseType(typeof(ProblemDetails), 422, "application/problem+json")]
    public static async Task<IResult> Get(Guid campaignId, int? windowDays, HttpContext http, IQuerySession session, NpgsqlDataSource database,
        StoreNames names, CustomerRules rules, CancellationToken cancellation)
    {
        var campaign = await session.LoadAsync<CampaignView>(campaignId, cancellation);
        if (campaign is null) return Results.Problem(Problems.NotFound($"No campaign has id {campaignId}."));
        var members = await Members(session, campaignId, cancellation);
        if (members is null)
            return Results.Problem(Problems.RuleViolation("The campaign has no frozen audience.",
                $"Campaign {campaignId} is {campaign.Status.ToString().ToLowerInvariant()}; lift is measured over the audience frozen when a campaign with an audience starts."));

        var window = TimeSpan.FromDays(windowDays ?? DefaultWindowDays);
        var survivors = await CampaignHistory.Survivors(database, names, null, cancellation);
        var customers = members.Select(m => CampaignHistory.Resolve(survivors, m.CustomerId)).ToHashSet();
        var streams = customers.Concat(survivors.Where(s => customers.Contains(s.Value)).Select(s => s.Key)).ToHashSet();
        // Only the span the windows cover is read (a second more at the end: the reads take half-open ranges, the
        // windows end inclusively); Measure applies each member's window exactly.
        var assigned = members.Select(m => m.AssignedAt).OfType<DateTimeOffset>().ToList();
        DateTimeOffset? first = assigned.Count > 0 ? assigned.Min() : null, last = assigned.Count > 0 ? assigned.Max() + window + TimeSpan.FromSeconds(1) : null;
        var conversions = await CampaignHistory.Conversions(database, names, rules.HouseCurrency, null, survivors, streams, first, last, cancellation);
        var touches = await CampaignHistory.Touches(database, names, campaignId, null, survivors, null, last, cancellation);

        var lift = Measure(campaign, members, conversions, touches, survivors, window, rules.HouseCurrency);
        return Formats.Respond(http, lift, () => Table(lift), () => Chart(lift));
    }

    /// <summary>
    /// The conversion rates of the treated and the holdout, and their difference with its 95 % interval as an error bar
    /// (in percentage points); the title says whether it is significant, or why that cannot be said.
    /// </summary>
    public static ScottPlot.Plot Chart(CampaignLift lift)
    {
        double Percent(double? rate) => (rate ?? 0) * 100;
        var plot = Charts.Bars($"{lift.Name}: conversion within {lift.WindowDays} days", "", "percent",
            [("treated", Percent(lift.Treated.Rate)), ("holdout", Percent(lift.Holdout.Rate)), ("uplift", Percent(lift.Uplift))]);
        if (lift.Uplift is { } uplift && lift.Interval is { Low: { } low, High: { } high })
        {
            var bar = plot.Add.ErrorBar([2.0], [uplift * 100], [(high - low) / 2 * 100]);
            bar.Color = ScottPlot.Colors.Black;
            bar.LineWidth = 2;
        }
        plot.Add.HorizontalLine(0, 1, ScottPlot.Colors.Gray);
        var verdict = lift.Significant switch
        {
            true => $"significant at {lift.Interval.Level:P0} (p = {lift.PValue:0.####})",
            false => $"not significant (p = {lift.PValue:0.####})",
            null => lift.Reason ?? "no verdict",
        };
        plot.XLabel($"uplift with its {lift.Interval.Level:P0} interval: {verdict}");
        return plot;
    }

    /// <summary>The frozen members with their assignment times; null when the campaign froze no audience.</summary>
    public static async Task<IReadOnlyList<LiftMember>?> Members(IQuerySession session, Guid campaignId, CancellationToken cancellation)
    {
        var events = await session.Events.FetchStreamAsync(campaignId, token: cancellation);
        if (events.Select(e => e.Data).OfType<AudienceFrozen>().FirstOrDefault() is not { } frozen) return null;
        var channel = events.Select(e => e.Data).OfType<CampaignPlanned>().Single().Channel;
        var sentAt = events.Select(e => e.Data).OfType<CampaignBatchSent>().GroupBy(b => b.Batch).ToDictionary(g => g.Key, g => g.First().At);
        var batches = (await session.Events.FetchStreamAsync(frozen.RecipientsStream, token: cancellation)).Select(e => e.Data).OfType<RecipientsFrozen>();
        return [.. batches.SelectMany(b => b.Customers.Select(customer =>
        {
            var holdout = b.Group == RecipientGroup.Holdout;
            DateTimeOffset? assigned = holdout || channel != CampaignChannel.Email ? b.At : sentAt.TryGetValue(b.Batch, out var at) ? at : null;
            return new LiftMember(customer, holdout, assigned);
        }))];
    }

    /// <summary>The lift from the members, their conversions and the campaign's touches (pure: no store, no clock).</summary>
    public static CampaignLift Measure(CampaignView campaign, IReadOnlyList<LiftMember> members, IReadOnlyList<Conversion> conversions,
        IReadOnlyList<CampaignTouch> touches, IReadOnlyDictionary<Guid, Guid> survivors, TimeSpan window, string currency)
    {
        var purchases = conversions.ToLookup(c => c.CustomerId);
        var touched = touches.ToLookup(t => t.CustomerId);
        var assigned = members.Where(m => m.AssignedAt is not null).Select(m =>
        {
            var customer = CampaignHistory.Resolve(survivors, m.CustomerId);
            var (start, end) = (m.AssignedAt!.Value, m.AssignedAt.Value + window);
            var bought = purchases[customer].Where(p => p.At >= start && p.At <= end).ToList();
            var reached = touched[customer].Where(t => t.At <= end).ToList();
            return (m.Holdout, Converted: bought.Count > 0, Revenue: bought.Sum(p => p.Amount),
                Touched: reached.Count > 0, Clicked: reached.Any(t => t.Kind == TouchKinds.Click));
        }).ToList();

        LiftGroup Group(bool holdout)
        {
            var group = assigned.Where(a => a.Holdout == holdout).ToList();
            var converted = group.Count(a => a.Converted);
            return new LiftGroup(group.Count, converted, group.Count > 0 ? (double)converted / group.Count : null, group.Sum(a => a.Revenue));
        }
        var (treated, holdout) = (Group(false), Group(true));
        var test = LiftStatistics.TwoProportions(new TwoByTwo(treated.Converted, treated.Members, holdout.Converted, holdout.Members));
        var population = assigned.Count;
        var converters = treated.Converted + holdout.Converted;
        AssociationRule Rule(string name, Func<(bool Holdout, bool Converted, decimal Revenue, bool Touched, bool Clicked), bool> antecedent) =>
            LiftStatistics.Rule(name, population, assigned.Count(antecedent), assigned.Count(a => antecedent(a) && a.Converted), converters);
        var incremental = LiftStatistics.IncrementalRevenue(treated.Revenue, treated.Members, holdout.Revenue, holdout.Members);

        return new CampaignLift(campaign.Id, campaign.Name, (int)window.TotalDays, currency, population, members.Count - population, treated, holdout,
            test.Uplift, test.RelativeLift, test.Z, test.PValue, new LiftInterval(test.ConfidenceLevel, test.Low, test.High),
            test.Significant, test.Reason, [Rule("touched", a => a.Touched), Rule("clicked", a => a.Clicked)],
            incremental is { } money ? decimal.Round(money, 4, MidpointRounding.AwayFromZero) : null);
    }

    public static Table Table(CampaignLift l)
    {
        IReadOnlyList<object?> Row(string figure, object? value) => [figure, value];
        var rows = new List<IReadOnlyList<object?>>
        {
            Row("population", l.Population), Row("notYetAssigned", l.NotYetAssigned),
            Row("treated", l.Treated.Members), Row("treatedConverted", l.Treated.Converted), Row("treatedRate", l.Treated.Rate), Row("treatedRevenue", l.Treated.Revenue),
            Row("holdout", l.Holdout.Members), Row("holdoutConverted", l.Holdout.Converted), Row("holdoutRate", l.Holdout.Rate), Row("holdoutRevenue", l.Holdout.Revenue),
            Row("uplift", l.Uplift), Row("relativeLift", l.RelativeLift), Row("z", l.Z), Row("pValue", l.PValue),
            Row("intervalLow", l.Interval.Low), Row("intervalHigh", l.Interval.High), Row("significant", l.Significant), Row("reason", l.Reason),
            Row("incrementalRevenue", l.IncrementalRevenue),
        };
        foreach (var rule in l.Rules)
        {
            rows.Add(Row($"{rule.Antecedent}:support", rule.Support));
            rows.Add(Row($"{rule.Antecedent}:confidence", rule.Confidence));
            rows.Add(Row($"{rule.Antecedent}:lift", rule.Lift));
        }
        return new Table(["figure", "value"], rows);
    }
}
