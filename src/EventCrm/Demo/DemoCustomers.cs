using EventCrm.Infrastructure;
using static EventCrm.Demo.DemoDraws;
using Bogus;
using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using PhoneNumbers;

namespace EventCrm.Demo;

/// <summary>
/// Deterministic demo customers. Customer number <c>i</c> of seed <c>s</c> is always the same person with the
/// same history, whatever else is generated, so any N is a prefix of any larger N. Every change is made by
/// running the real command through its endpoint's <c>Validate</c> and <c>Post</c>; only ids are drawn from the
/// seed instead of the clock.
/// </summary>
/// <remarks>
/// The population is built so that analyses and models have something real to find: income peaks in
/// middle age; spending grows with income and with an age curve; purchases follow a seasonal year (a
/// November-December peak); a quarter of customers stop buying at some point (a few are deactivated); about
/// one in a hundred was registered twice with a different e-mail and the same phone.
/// </remarks>
public static class DemoCustomers
{
    public const string User = "demo";

    private static readonly (string Code, string Locale, double Weight, string[] Regions)[] Countries =
    [
        ("DE", "de", 0.22, ["Bavaria", "Berlin", "Hamburg", "Hesse", "North Rhine-Westphalia", "Saxony"]),
        ("US", "en_US", 0.18, ["California", "New York", "Texas", "Illinois", "Washington"]),
        ("FR", "fr", 0.14, ["Île-de-France", "Occitanie", "Provence", "Brittany"]),
        ("GB", "en_GB", 0.12, ["England", "Scotland", "Wales"]),
        ("ES", "es", 0.08, ["Madrid", "Catalonia", "Andalusia", "Valencia"]),
        ("IT", "it", 0.08, ["Lombardy", "Lazio", "Tuscany", "Veneto"]),
        ("NL", "nl", 0.07, ["North Holland", "South Holland", "Utrecht"]),
        ("PL", "pl", 0.06, ["Masovia", "Lesser Poland", "Pomerania"]),
        ("SE", "sv", 0.05, ["Stockholm", "Västra Götaland", "Skåne"]),
    ];

    private static readonly string[] Industries =
        ["Retail", "Software", "Healthcare", "Finance", "Manufacturing", "Education", "Hospitality", "Logistics", "Public sector", "Media"];

    private static readonly (string Source, double Weight)[] Sources =
        [("web", 0.35), ("referral", 0.2), ("ads", 0.2), ("event", 0.1), ("partner", 0.1), ("social", 0.05)];

    private static readonly (string Category, decimal Ticket, string[] Products)[] Categories =
    [
        ("Electronics", 240m, ["Headphones", "Tablet", "Smart speaker", "Monitor", "Camera"]),
        ("Home", 110m, ["Lamp", "Rug", "Cookware set", "Bedding", "Desk"]),
        ("Fashion", 75m, ["Jacket", "Sneakers", "Dress", "Jeans", "Scarf"]),
        ("Books", 22m, ["Novel", "Cookbook", "Biography", "Travel guide"]),
        ("Sports", 85m, ["Running shoes", "Yoga mat", "Bike helmet", "Tent"]),
        ("Beauty", 38m, ["Perfume", "Skincare set", "Hair dryer"]),
        ("Food", 30m, ["Coffee beans", "Tea selection", "Olive oil", "Chocolate box"]),
        ("Software", 140m, ["Office suite", "Photo editor", "Antivirus", "Game"]),
    ];

    /// <summary>Relative purchase intensity by month (January first): a quiet summer, a busy winter.</summary>
    private static readonly double[] Season = [0.8, 0.75, 0.9, 0.95, 1.0, 0.9, 0.85, 0.85, 1.0, 1.05, 1.4, 1.7];

    private static readonly PhoneNumberUtil Phones = PhoneNumberUtil.GetInstance();

    /// <summary>The demo's service promises: the defaults, around the clock.</summary>
    private static readonly EventCrm.Service.ServiceRules Service = new();

    public static IEnumerable<DemoStream> Generate(int index, int seed, DateTimeOffset until, CustomerRules rules)
    {
        var random = new DemoRandom(unchecked(seed * 7919 + index * 104729), "customer", index);
        var country = Pick(random, Countries, c => c.Weight);
        var faker = new Faker(country.Locale) { Random = new Randomizer(random.Next()) };
        var first = faker.Name.FirstName();
        var last = faker.Name.LastName();
        var phone = Phone(random, index, country.Code);

        var person = new Person(random, country.Code, country.Regions, first, last, phone);
        var (stream, facts) = Life(index, person, random, seed, until, rules, duplicate: false);

        // Leads, opportunities and activities, from a random sequence of their own so that the customers stay
        // the same whatever the sales part draws. Won deals become purchases in the customer's own stream.
        var sales = DemoSales.Generate(index, seed, until, facts, faker, rules);
        yield return stream with
        {
            Events = [.. stream.Events.Concat(sales.CustomerEvents).OrderBy(e => e.At)],
        };
        foreach (var other in sales.Streams) yield return other;
        foreach (var ticket in DemoService.Generate(index, seed, until, facts, Service)) yield return ticket;

        // About one in a hundred people were registered twice: work address, same phone, name written differently.
        if (index % 100 == 7)
            yield return Life(index, person with { First = first[..1] + ".", Phone = phone }, new DemoRandom(random.Next(), "duplicate", index),
                seed, until, rules, duplicate: true).Stream;
    }

    private sealed record Person(Random Traits, string Country, string[] Regions, string First, string Last, string? Phone);

    private static (DemoStream Stream, DemoCustomerFacts Facts) Life(int index, Person person, DemoRandom random, int seed,
        DateTimeOffset until, CustomerRules rules, bool duplicate)
    {
        var id = NewId(random);
        var events = new List<(object, DateTimeOffset)>();
        Customer customer = null!;
        var clock = new DemoClock();

        void Record(IEnumerable<object> produced, DateTimeOffset at)
        {
            foreach (var e in produced)
            {
                customer = e is CustomerRegistered ? Fold<Customer>.Apply(null, e) with { Id = id } : Fold<Customer>.Apply(customer, e);
                events.Add((e, at));
            }
        }

        // Who they are: age peaks in the 30s and 40s; income rises to middle age and varies a lot.
        var traits = person.Traits;
        var age = Math.Clamp((int)Math.Round(42 + 13 * Normal(traits)), 18, 85);
        var registeredAt = until.AddDays(-random.Next(1, 730)).AddMinutes(-random.Next(0, 24 * 60));
        var birthDate = DateOnly.FromDateTime(registeredAt.UtcDateTime).AddYears(-age).AddDays(-traits.Next(0, 365));
        var income = Math.Round(280 * (1 + 0.9 * Math.Exp(-Math.Pow((age - 50) / 15.0, 2))) * Math.Exp(0.45 * Normal(traits))) * 100; // whole hundreds
        var knowsBirthDate = random.NextDouble() < 0.6;
        var knowsAge = !knowsBirthDate && random.NextDouble() < 0.9;
        var knowsIncome = random.NextDouble() < 0.85;
        var favourites = new[] { Categories[traits.Next(Categories.Length)], Categories[traits.Next(Categories.Length)] };
        var tags = new List<string>();
        if (random.NextDouble() < 0.3) tags.Add("newsletter");
        if (random.NextDouble() < 0.12) tags.Add("b2b");
        if (random.NextDouble() < 0.05) tags.Add("early-adopter");

        var slug = $"{Slug(person.First)}.{Slug(person.Last)}";
        var email = duplicate ? $"{slug}.{index}@work.example.com" : $"{slug}.{index}@example.com";

        clock.Now = registeredAt;
        var register = new RegisterCustomer(
            $"{person.First} {person.Last}", email, person.Phone,
            knowsBirthDate ? birthDate : null, knowsAge ? age : null, knowsIncome ? (decimal)income : null,
            person.Country, person.Regions[traits.Next(person.Regions.Length)], Industries[traits.Next(Industries.Length)],
            Pick(random, Sources, s => s.Weight).Source, tags.Count > 0 ? tags : null);
        var registration = RegisterCustomerEndpoint.Load(register, rules, clock);
        Check(RegisterCustomerEndpoint.Validate(registration), register);
        Record(RegisterCustomerEndpoint.Post(register, registration, clock).Item2.Events, registeredAt);

        var at = registeredAt;
        if (random.NextDouble() < 0.7)
        {
            at = at.AddHours(random.Next(1, 72));
            clock.Now = at;
            var assign = new AssignOwner(customer.Version, $"sales{1 + random.Next(8)}");
            Check(AssignOwnerEndpoint.Validate(assign, customer), assign);
            Record(AssignOwnerEndpoint.Post(assign, customer, clock).Item2, at);
        }

        foreach (var (channel, purpose, share) in new[] { (ConsentChannel.Email, "newsletter", 0.6), (ConsentChannel.Sms, "offers", 0.25) })
        {
            if (random.NextDouble() >= share) continue;
            at = at.AddMinutes(random.Next(1, 600));
            clock.Now = at;
            var consent = new RecordConsent(customer.Version, channel, purpose, true, "web form");
            Check(RecordConsentEndpoint.Validate(consent, customer, clock), consent);
            Record(RecordConsentEndpoint.Post(consent, customer, clock).Item2, at);
        }

        // How they buy: more with income and an age curve, seasonal, until some of them stop.
        var propensity = Math.Exp(0.55 * Normal(traits));
        var ageCurve = 0.6 + 0.8 * Math.Exp(-Math.Pow((age - 45) / 18.0, 2));
        var annualSpend = 120 + 0.011 * (knowsIncome ? income : 40_000) * ageCurve * propensity;
        var ticket = (double)favourites.Average(f => f.Ticket);
        var perYear = Math.Max(0.3, annualSpend / ticket);
        var churnsAt = random.NextDouble() < 0.25 ? registeredAt.AddDays(60 + random.Next(0, 600)) : (DateTimeOffset?)null;
        var stopAt = churnsAt is { } churn && churn < until ? churn : until;
        var peak = Season.Max();
        var purchaseTimes = new List<(DateTimeOffset At, (string Category, decimal Ticket, string[] Products) Category)>();
        for (var t = registeredAt.AddDays(Exponential(random, perYear * peak / 365.0)); t < stopAt;
             t = t.AddDays(Exponential(random, perYear * peak / 365.0)))
        {
            if (random.NextDouble() * peak > Season[t.Month - 1]) continue;
            var category = random.NextDouble() < 0.7 ? favourites[random.Next(2)] : Categories[random.Next(Categories.Length)];
            purchaseTimes.Add((WholeSeconds(t), category));
        }

        var totalSpent = 0m;
        foreach (var (when, category) in purchaseTimes)
        {
            var amount = Math.Round(category.Ticket * (decimal)Math.Exp(0.35 * Normal(random)), 2);
            if (amount <= 0) amount = 0.99m;
            var purchaseAt = when < at ? at.AddMinutes(1) : when;
            clock.Now = purchaseAt;
            var purchase = new RecordPurchase(customer.Version, amount, rules.HouseCurrency,
                category.Products[random.Next(category.Products.Length)], category.Category, purchaseAt);
            Check(RecordPurchaseEndpoint.Validate(purchase, customer, clock), purchase);
            var (_, produced) = RecordPurchaseEndpoint.Post(purchase, customer, clock);
            Record(produced.Select(e => e is PurchaseRecorded p ? p with { PurchaseId = NewId(random) } : e), purchaseAt);
            at = purchaseAt;
            totalSpent += amount;
        }

        if (totalSpent > 3000m)
        {
            at = at.AddDays(1) < until ? at.AddDays(1) : at;
            clock.Now = at;
            var vip = new ChangeTags(customer.Version, ["vip"]);
            Check(ChangeTagsEndpoint.Validate(vip, customer), vip);
            Record(ChangeTagsEndpoint.Post(vip, customer, clock).Item2, at);
        }

        if (random.NextDouble() < 0.08)
        {
            at = at.AddDays(random.Next(1, 30));
            if (at < until)
            {
                clock.Now = at;
                var moved = new ChangeContactDetails(customer.Version, $"{slug}.{index}@new-mail.example.org", person.Phone);
                var change = ContactChange.Of(moved, BodyFields.Everything, rules);
                Check(ChangeContactDetailsEndpoint.Validate(change, customer), moved);
                Record(ChangeContactDetailsEndpoint.Post(moved, change, customer, clock).Item2, at);
            }
        }

        if (churnsAt is { } gone && gone < until && random.NextDouble() < 0.2)
        {
            at = gone > at ? gone : at.AddDays(1);
            if (at < until)
            {
                clock.Now = at;
                var deactivate = new DeactivateCustomer(customer.Version, "no longer a customer");
                Check(DeactivateCustomerEndpoint.Validate(deactivate, customer), deactivate);
                Record(DeactivateCustomerEndpoint.Post(deactivate, customer, clock).Item2, at);
            }
        }

        var activeUntil = customer.Status == CustomerStatus.Inactive ? events[^1].Item2 : until;
        return (new DemoStream(id, typeof(Customer), events),
            new DemoCustomerFacts(id, register.Name, email, person.Phone, customer.Owner, register.AcquisitionSource ?? "web",
                register.AnnualIncome, registeredAt, churnsAt is { } stop && stop < activeUntil ? stop : activeUntil, customer));
    }

    /// <summary>A valid mobile number of the region, unique per customer number (its last six digits).</summary>
    private static string? Phone(Random random, int index, string region)
    {
        if (random.NextDouble() < 0.1) return null; // not everyone gives a phone number
        var example = Phones.GetExampleNumberForType(region, PhoneNumberType.MOBILE);
        if (example is null) return null;
        var digits = example.NationalNumber.ToString();
        var candidate = $"+{example.CountryCode}{digits[..^6]}{index % 1_000_000:D6}";
        return ContactDetails.NormalisePhone(candidate, region);
    }

    private static string Slug(string text)
    {
        var ascii = new string(text.Normalize(System.Text.NormalizationForm.FormD)
            .Where(c => char.IsAsciiLetterOrDigit(c)).ToArray()).ToLowerInvariant();
        return ascii.Length > 0 ? ascii : "x";
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> items, Func<T, double> weight)
    {
        var roll = random.NextDouble() * items.Sum(weight);
        foreach (var item in items)
        {
            roll -= weight(item);
            if (roll <= 0) return item;
        }
        return items[^1];
    }

    /// <summary>The store keeps microseconds; demo times are whole seconds so that they read back exactly.</summary>
    private static DateTimeOffset WholeSeconds(DateTimeOffset time) =>
        new(time.Ticks - time.Ticks % TimeSpan.TicksPerSecond, time.Offset);

    private static double Exponential(Random random, double ratePerDay) => -Math.Log(1 - random.NextDouble()) / ratePerDay;
}
