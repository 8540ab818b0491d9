using Marten.Events;
using System.Globalization;
using System.Text.Json;
using Alba;
using EventCrm.Infrastructure.Security;
using EventCrm.Tests.Customers;

namespace EventCrm.Tests.Analytics;

/// <summary>One row of Reference/customers.csv, with the times and categories its purchases are given.</summary>
public sealed record ReferenceRow(string Name, string Country, int? Age, decimal? Income, IReadOnlyList<ReferencePurchase> Purchases);

public sealed record ReferencePurchase(decimal Amount, string Category, DateTimeOffset At);

/// <summary>
/// The fixed dataset of Reference/customers.csv, registered once through the API under an industry no other
/// test uses, so every statistic can be asked for exactly these customers (<see cref="Filter"/>). The
/// expected figures are in Reference/reference.json, computed by compute_reference.py without .NET or SQL.
/// </summary>
public sealed class ReferenceCustomers
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static ReferenceCustomers? _loaded;

    public static readonly string[] Categories = ["Books", "Garden", "Toys"];

    public required string Industry { get; init; }
    public required IReadOnlyList<ReferenceRow> Rows { get; init; }
    public required JsonElement Expected { get; init; }

    /// <summary>The query string that selects exactly these customers.</summary>
    public string Filter => $"industry={Uri.EscapeDataString(Industry)}";

    public static async Task<ReferenceCustomers> In(AppFixture app)
    {
        await Gate.WaitAsync();
        try
        {
            return _loaded ??= await Load(app);
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<ReferenceCustomers> Load(AppFixture app)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "Analytics", "Reference");
        var now = app.Clock.GetUtcNow();
        var rows = File.ReadAllLines(Path.Combine(folder, "customers.csv")).Skip(1)
            .Select((line, i) =>
            {
                var cells = line.Split(',');
                var purchases = cells[4].Split(';', StringSplitOptions.RemoveEmptyEntries)
                    .Select((amount, j) => new ReferencePurchase(decimal.Parse(amount, CultureInfo.InvariantCulture),
                        Categories[(i + j) % Categories.Length], now.AddDays(-31 * (j % 3)).AddHours(-1)))
                    .ToList();
                return new ReferenceRow(cells[0], cells[1], cells[2] is "" ? null : int.Parse(cells[2], CultureInfo.InvariantCulture),
                    cells[3] is "" ? null : decimal.Parse(cells[3], CultureInfo.InvariantCulture), purchases);
            })
            .ToList();

        var industry = $"Reference {Guid.NewGuid():N}";
        foreach (var row in rows)
        {
            var id = await app.RegisterWith(new
            {
                name = row.Name, email = AppFixture.NewEmail("reference"), age = row.Age, annualIncome = row.Income,
                country = row.Country, industry,
            });
            var version = 1;
            foreach (var purchase in row.Purchases)
            {
                var result = await app.Host.Scenario(s =>
                {
                    s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
                    s.Post.Json(new { version, amount = purchase.Amount, currency = "EUR", product = "Item", category = purchase.Category, purchasedAt = purchase.At })
                        .ToUrl($"/api/customers/{id}/purchases");
                    s.StatusCodeShouldBe(200);
                });
                version = (await result.Body()).GetProperty("version").GetInt32();
            }
        }
        // Purchase facts are projected asynchronously.
        await app.Host.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));

        return new ReferenceCustomers
        {
            Industry = industry,
            Rows = rows,
            Expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "reference.json"))).RootElement,
        };
    }
}

public static class AnalyticsApi
{
    public static Task<IScenarioResult> Analytics(this AppFixture app, string url, string accept = "application/json",
        string role = Roles.Analyst) =>
        app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("ann", role));
            s.WithRequestHeader("Accept", accept);
            s.Get.Url(url);
            s.IgnoreStatusCode();
        });

    public static async Task<JsonElement> AnalyticsJson(this AppFixture app, string url)
    {
        var result = await app.Analytics(url);
        result.Context.Response.StatusCode.ShouldBe(200, await result.ReadAsTextAsync());
        return await result.Body();
    }

    /// <summary>Equal to a reference figure up to floating-point noise (the database sums in another order).</summary>
    public static void ShouldMatch(this JsonElement actual, JsonElement expected, string because)
    {
        if (expected.ValueKind == JsonValueKind.Null)
        {
            actual.ValueKind.ShouldBe(JsonValueKind.Null, because);
            return;
        }
        var a = actual.GetDouble();
        var e = expected.GetDouble();
        Math.Abs(a - e).ShouldBeLessThanOrEqualTo(1e-9 * Math.Max(1, Math.Abs(e)), $"{because}: {a} vs {e}");
    }
}
