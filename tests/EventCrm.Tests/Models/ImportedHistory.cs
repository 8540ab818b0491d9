using System.Globalization;
using System.Text;

namespace EventCrm.Tests.Models;

/// <summary>One person of a third-party file, with the purchases the purchases file gives them (oldest first).</summary>
public sealed record ImportedPerson(int Number, string Email, int Age, decimal Income, string Country,
    IReadOnlyList<(DateTimeOffset At, decimal Amount)> Purchases)
{
    public DateTimeOffset? FirstPurchaseAt => Purchases.Count == 0 ? null : Purchases[0].At;
}

/// <summary>
/// What an analyst brings from elsewhere: a customer file (name, e-mail, age, income, country; no registration
/// dates) and two years of those customers' purchases, generated from a seed so that what the models should
/// find is known. Customers began (first bought) at any time in the two years; the young and the well-off
/// buy more often, the well-off spend more each time; two in five stop buying at some point and stay stopped;
/// some never bought at all. Times are whole seconds, written as ISO 8601 in UTC, so a test can compare them
/// with what the store holds.
/// </summary>
public sealed class ImportedHistory
{
    private static readonly string[] Countries = ["DE", "FR", "GB", "US", "ES"];

    public required DateTimeOffset Until { get; init; }
    public required IReadOnlyList<ImportedPerson> People { get; init; }

    public int PurchaseCount => People.Sum(p => p.Purchases.Count);

    public static ImportedHistory Generate(int customers, int seed, DateTimeOffset until)
    {
        var random = new Random(seed);
        double Exponential(double mean) => -mean * Math.Log(1 - random.NextDouble());
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        DateTimeOffset Second(DateTimeOffset t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);

        var people = new List<ImportedPerson>();
        for (var i = 1; i <= customers; i++)
        {
            var age = 20 + random.Next(0, 50);
            var income = 100 * Math.Round(220 + 9m * (age - 20) + (decimal)(random.NextDouble() * 600));
            var country = Countries[random.Next(Countries.Length)];
            // Purchases a year: more for the young and the well-off; each purchase larger for the well-off.
            var perYear = (1.5 + 6 * (70 - age) / 50.0 + (double)(income - 22_000) / 20_000) * (0.6 + 0.8 * random.NextDouble());
            var mean = 15 + (double)income / 1_500;
            var purchases = new List<(DateTimeOffset, decimal)>();
            if (random.NextDouble() >= 0.07)
            {
                var began = Second(until.AddDays(-random.NextDouble() * 730));
                var stops = random.NextDouble() < 0.4 ? began.AddDays(Exponential(240)) : until;
                for (var at = began; at < stops && at < until; at = Second(at.AddDays(Exponential(365 / perYear))))
                    purchases.Add((at, Math.Round((decimal)(mean * Math.Exp(0.3 * Normal())), 2)));
            }
            people.Add(new ImportedPerson(i, $"person{i:D5}@imported.example", age, income, country, purchases));
        }
        return new ImportedHistory { Until = until, People = people };
    }

    /// <summary>The customer file: no column says when anyone became a customer.</summary>
    public string CustomersCsv()
    {
        var csv = new StringBuilder("Full Name,E-mail,Age,Income,Country\n");
        foreach (var p in People)
            csv.Append(CultureInfo.InvariantCulture, $"Person {Words(p.Number)},{p.Email},{p.Age},{p.Income},{p.Country}\n");
        return csv.ToString();
    }

    public string PurchasesCsv()
    {
        var csv = new StringBuilder("email,amount,currency,product,category,purchased_at\n");
        foreach (var p in People)
            foreach (var (at, amount) in p.Purchases)
                csv.Append(CultureInfo.InvariantCulture, $"{p.Email},{amount},EUR,Item,Shop,{at.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}\n");
        return csv.ToString();
    }

    /// <summary>A name for a number ("Five Two"): names are letters, and no two people share one.</summary>
    private static string Words(int number) =>
        string.Join(' ', number.ToString(CultureInfo.InvariantCulture).Select(d => Digits[d - '0']));

    private static readonly string[] Digits = ["Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine"];
}
