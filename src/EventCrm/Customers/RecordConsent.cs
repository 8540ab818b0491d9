using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Customers;

/// <summary>
/// The customer granted or withdrew consent to be contacted on a channel for a purpose (e.g. "newsletter").
/// <c>source</c> says where it was given (web form, call, ...), <c>at</c> when (default: now).
/// </summary>
public record RecordConsent(
    int Version,
    ConsentChannel? Channel,
    string Purpose,
    bool? Granted,
    string? Source = null,
    DateTimeOffset? At = null);

public static class RecordConsentEndpoint
{
    public static ProblemDetails Validate(RecordConsent command, Customer customer, TimeProvider clock)
    {
        var errors = new FieldErrors().RequireExpectedVersion(command.Version);
        if (command.Channel is null) errors.Add("channel", "'channel' is required: email, sms or phone.");
        if (command.Granted is null) errors.Add("granted", "'granted' is required: true to grant, false to withdraw.");
        if (command.At > clock.GetUtcNow()) errors.Add("at", "'at' cannot be in the future.");
        return errors
            .RequireText("purpose", command.Purpose, Consent.MaxPurposeLength)
            .OptionalText("source", command.Source, Consent.MaxSourceLength)
            .ForCommand(command.Version, customer);
    }

    [WolverinePost("/api/customers/{customerId}/consents", OperationId = "RecordConsent",
        Summary = "Record that the customer granted or withdrew consent for a channel and purpose")]
    [Authorize(Policy = Policies.CustomersWrite)]
    [Tags("Customers")]
    public static (VersionResponse, Events) Post(RecordConsent command, [Target] Customer customer, TimeProvider clock)
    {
        var purpose = Consent.NormalisePurpose(command.Purpose);
        var source = string.IsNullOrWhiteSpace(command.Source) ? "api" : command.Source.Trim();
        var at = command.At ?? clock.GetUtcNow();
        object decision = command.Granted!.Value
            ? new ConsentGranted(command.Channel!.Value, purpose, source, at)
            : new ConsentWithdrawn(command.Channel!.Value, purpose, source, at);
        return (new VersionResponse(customer.Version + 1), [decision]);
    }
}
