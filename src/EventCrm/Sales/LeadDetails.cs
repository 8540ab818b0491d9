using EventCrm.Customers;
using EventCrm.Infrastructure.Http;

namespace EventCrm.Sales;

/// <summary>What a lead says about itself, checked and normalised the way customers are.</summary>
public static class LeadDetails
{
    public const int MaxCompanyLength = 200;
    public const int MaxSourceLength = 50;
    public const int MaxMessageLength = 2000;

    public static FieldErrors CheckLead(this FieldErrors errors, string? name, string? email, string? phone,
        string? company, string? message, CustomerRules rules) =>
        errors
            .RequireText("name", name, ContactDetails.MaxNameLength)
            .CheckContact(email, phone, rules)
            .OptionalText("company", company, MaxCompanyLength)
            .OptionalMultilineText("message", message, MaxMessageLength);

    public static LeadCaptured Captured(string name, string email, string? phone, string? company, string source,
        string? formKey, string? userAgent, string? message, CustomerRules rules, DateTimeOffset now, Utm? utm = null,
        string? subscribeTo = null) => new(
        ContactDetails.NormaliseName(name),
        ContactDetails.NormaliseEmail(email)!,
        ContactDetails.NormalisePhone(phone, rules.DefaultPhoneRegion),
        string.IsNullOrWhiteSpace(company) ? null : ContactDetails.NormaliseName(company),
        source,
        formKey,
        userAgent,
        string.IsNullOrWhiteSpace(message) ? null : message.Trim(),
        now,
        Utm: utm,
        SubscribeTo: subscribeTo);
}
