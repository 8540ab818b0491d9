using System.Globalization;
using EventCrm.Customers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace EventCrm.Imports;

/// <summary>
/// A row of a customer file cleaned into the same <see cref="CustomerRegistration"/> the API decides on, by the same
/// rules; each problem is reported with its field. A row without a name can still update a customer it matches;
/// only registering needs one.
/// </summary>
public static class CustomerRow
{
    public static (CustomerRegistration Registration, IReadOnlyList<RowError> Errors) Clean(SourceRow row, CultureInfo culture,
        CustomerRules rules, TimeProvider clock)
    {
        var errors = new List<RowError>();
        var clean = new Cleaning(culture, errors);

        var name = clean.Name(row["name"])
                   ?? clean.Name(string.Join(' ', new[] { row["firstName"], row["lastName"] }.Where(p => !string.IsNullOrWhiteSpace(p))));
        var email = Cleaning.Text(row["email"])?.ToLowerInvariant();
        var country = Cleaning.Text(row["country"]);
        var iso = Demographic.NormaliseCountry(country);
        // A number written without +: read it in the customer's own country when the row says which.
        var phoneText = Cleaning.Text(row["phone"]);
        var phone = phoneText is null ? null : ContactDetails.NormalisePhone(phoneText, iso ?? rules.DefaultPhoneRegion) ?? phoneText;

        var command = new RegisterCustomer(
            name ?? "",
            email ?? "",
            phone,
            clean.Date("birthDate", row["birthDate"]),
            clean.Integer("age", row["age"]),
            clean.Decimal("annualIncome", row["annualIncome"]),
            iso ?? country,
            Cleaning.Text(row["region"]),
            Cleaning.Text(row["industry"]),
            Cleaning.Text(row["acquisitionSource"]),
            Cleaning.List(row["tags"]),
            clean.Instant("registeredAt", row["registeredAt"]));

        var registration = CustomerRegistration.Of(command, rules, clock.GetUtcNow());
        errors.AddRange(Problems(registration.Problem).Where(e => !errors.Any(known => known.Field == e.Field)));
        return (registration, errors);
    }

    /// <summary>A validation answer as row errors, field by field.</summary>
    public static IEnumerable<RowError> Problems(ProblemDetails problem) => problem switch
    {
        HttpValidationProblemDetails validation => validation.Errors.SelectMany(e => e.Value.Select(m => new RowError(e.Key, m))),
        { Status: not null } => [new RowError("", problem.Detail ?? problem.Title ?? "refused")],
        _ => [],
    };
}
