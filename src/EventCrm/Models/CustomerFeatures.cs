using Microsoft.ML.Data;

namespace EventCrm.Models;

/// <summary>
/// One customer as of a cutoff, in the columns the customer models learn from. Unknown numbers are NaN (the
/// pipelines replace them with the mean); labels describe what happened after the cutoff.
/// </summary>
public sealed class CustomerFeatures : CustomerColumns
{
    public const int ShortWindowDays = 90;

    [NoColumn] public Guid CustomerId { get; set; }

    /// <summary>Spend in the 90 days after the cutoff (purchase-amount).</summary>
    public float SpendNext90 { get; set; }
    /// <summary>Spend in the 180 days after the cutoff (high-value).</summary>
    public float SpendNext180 { get; set; }
    /// <summary>No purchase in the 180 days after the cutoff (churn).</summary>
    public bool Churned { get; set; }
    /// <summary>Among the top spenders of the 180 days after the cutoff (high-value).</summary>
    public bool HighValue { get; set; }

    [NoColumn] public bool ActiveAtCutoff { get; set; }

    /// <summary>The numeric columns every customer model may use, in a fixed order.</summary>
    public static readonly string[] Numeric =
        [nameof(Age), nameof(Income), nameof(TenureDays), nameof(RecencyDays), nameof(Frequency), nameof(Monetary),
         nameof(AveragePurchase), nameof(Purchases90), nameof(Spend90), nameof(Tickets), nameof(Complaints)];

    public static readonly string[] Categorical = [nameof(Country), nameof(Source)];

    /// <summary>
    /// The customer as of <paramref name="cutoff"/> (null when not yet a customer: see <see cref="CustomerPast.Since"/>),
    /// with labels from the following days. What the registration states holds from the day it became a customer,
    /// even when that is its first purchase, years before a file brought it in; later changes count from when
    /// they were made.
    /// </summary>
    public static CustomerFeatures? Of(CustomerPast history, DateTimeOffset cutoff)
    {
        if (history.Since > cutoff) return null;
        var before = history.Purchases.Where(p => p.At <= cutoff).ToList();
        var recent = before.Where(p => p.At > cutoff.AddDays(-ShortWindowDays)).ToList();
        var known = history.Demographics.Where(d => d.At <= cutoff).ToList();
        var demographics = known.Count > 0 ? known.MaxBy(d => d.At) : history.Demographics.FirstOrDefault();
        var age = demographics.BirthDate is { } birth
            ? cutoff.Year - birth.Year - (cutoff.DayOfYear < birth.DayOfYear ? 1 : 0)
            : demographics.Age is { } stated ? stated + (cutoff.Year - demographics.At.Year) : (float?)null;
        var monetary = before.Sum(p => p.Amount);
        var status = history.Activity.Where(a => a.At <= cutoff).Select(a => a.Inactive).LastOrDefault();
        var next90 = history.Purchases.Where(p => p.At > cutoff && p.At <= cutoff.AddDays(90)).Sum(p => p.Amount);
        var next180 = history.Purchases.Where(p => p.At > cutoff && p.At <= cutoff.AddDays(180)).ToList();
        return new CustomerFeatures
        {
            CustomerId = history.Id,
            Age = age ?? float.NaN,
            Income = demographics.Income is { } income ? (float)income : float.NaN,
            TenureDays = (float)(cutoff - history.Since).TotalDays,
            RecencyDays = before.Count == 0 ? float.NaN : (float)(cutoff - before.Max(p => p.At)).TotalDays,
            Frequency = before.Count,
            Monetary = (float)monetary,
            AveragePurchase = before.Count == 0 ? float.NaN : (float)(monetary / before.Count),
            Purchases90 = recent.Count,
            Spend90 = (float)recent.Sum(p => p.Amount),
            Tickets = history.Tickets.Count(t => t.At <= cutoff),
            Complaints = history.Tickets.Count(t => t.At <= cutoff && t.Complaint),
            Country = demographics.Country ?? "unknown",
            Source = history.Source ?? "unknown",
            SpendNext90 = (float)next90,
            SpendNext180 = (float)next180.Sum(p => p.Amount),
            Churned = next180.Count == 0,
            ActiveAtCutoff = !status,
        };
    }
}
