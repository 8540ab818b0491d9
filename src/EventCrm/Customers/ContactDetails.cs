using System.Net.Mail;
using System.Text.RegularExpressions;
using EventCrm.Infrastructure.Http;
using PhoneNumbers;

namespace EventCrm.Customers;

/// <summary>
/// How names, e-mail addresses and phone numbers are checked and stored: e-mail trimmed and lower-case, phone
/// in E.164, names with single spaces. One place, so the API, imports and merges agree on what "the same
/// e-mail" means.
/// </summary>
public static partial class ContactDetails
{
    public const int MaxNameLength = 200;
    public const int MaxEmailLength = 254;
    public const int MaxPhoneLength = 32;

    private static readonly PhoneNumberUtil Phones = PhoneNumberUtil.GetInstance();

    public static string NormaliseName(string name) => Whitespace().Replace(name.Trim(), " ");

    /// <summary>The stored form of an e-mail address, or null when it is not a plain valid address.</summary>
    public static string? NormaliseEmail(string? email)
    {
        if (string.IsNullOrWhiteSpace(email)) return null;
        var candidate = email.Trim().ToLowerInvariant();
        if (candidate.Length > MaxEmailLength
            || candidate.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || FieldErrors.IsBidiControl(c) || FieldErrors.IsInvisible(c)))
            return null;

        var at = candidate.LastIndexOf('@');
        if (at is < 1 || at > 64 || at == candidate.Length - 1) return null;
        var domain = candidate[(at + 1)..];
        if (!domain.Contains('.') || domain.StartsWith('.') || domain.EndsWith('.') || domain.Contains(".."))
            return null;

        // MailAddress also accepts "Name <a@b.c>" and comments; only the bare address is an e-mail here.
        return MailAddress.TryCreate(candidate, out var parsed) && parsed.Address == candidate ? candidate : null;
    }

    /// <summary>The E.164 form of a phone number, or null when it is not a valid number.</summary>
    public static string? NormalisePhone(string? phone, string defaultRegion)
    {
        if (string.IsNullOrWhiteSpace(phone) || phone.Length > MaxPhoneLength) return null;
        try
        {
            var parsed = Phones.Parse(phone, defaultRegion);
            return Phones.IsValidNumber(parsed) ? Phones.Format(parsed, PhoneNumberFormat.E164) : null;
        }
        catch (NumberParseException)
        {
            return null;
        }
    }

    /// <summary>
    /// The stored forms of an e-mail and a phone, cleaned once; a field error for each that cannot be stored (then
    /// its stored form is null).
    /// </summary>
    public static (string? Email, string? Phone) CleanContact(this FieldErrors errors, string? email, string? phone,
        CustomerRules rules) =>
        (errors.CleanEmail(email), errors.CleanPhone(phone, rules));

    /// <summary>The stored form of a required e-mail address, or null with a field error.</summary>
    public static string? CleanEmail(this FieldErrors errors, string? email)
    {
        var clean = NormaliseEmail(email);
        if (string.IsNullOrWhiteSpace(email))
            errors.Add("email", "'email' is required.");
        else if (clean is null)
            errors.Add("email", $"'email' is not a valid e-mail address: '{Shown(email)}'.");
        return clean;
    }

    /// <summary>The stored (E.164) form of an optional phone number: null when none is given, or with a field error.</summary>
    public static string? CleanPhone(this FieldErrors errors, string? phone, CustomerRules rules)
    {
        var clean = NormalisePhone(phone, rules.DefaultPhoneRegion);
        if (!string.IsNullOrWhiteSpace(phone) && clean is null)
            errors.Add("phone",
                $"'phone' is not a valid phone number: '{Shown(phone)}' (use international format, e.g. +4930123456, or a {rules.DefaultPhoneRegion} number).");
        return clean;
    }

    /// <summary>A value quoted back in an error: short, without control characters.</summary>
    private static string Shown(string value) => Infrastructure.Http.InputGuard.Printable(value.Trim());

    /// <summary>Adds a field error for each contact detail that cannot be stored.</summary>
    public static FieldErrors CheckContact(this FieldErrors errors, string? email, string? phone, CustomerRules rules)
    {
        errors.CleanContact(email, phone, rules);
        return errors;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
