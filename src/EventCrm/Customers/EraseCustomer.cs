using EventCrm.Audit;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Customers;

/// <summary>
/// The right to erasure (GDPR art. 17). <c>reason</c> records why (the request's reference, not personal data).
/// </summary>
public record EraseCustomer(int Version, string Reason);

/// <summary>Masks the personal data in a customer's stream once its erasure is committed.</summary>
public record MaskErasedCustomer(Guid CustomerId);

/// <summary>
/// A customer was erased: every context that keeps personal data about them erases it too (Sales erases the leads
/// that became this customer). Sent through the outbox with the erasure, so it is handled once it is committed.
/// </summary>
public record CustomerWasErased(Guid CustomerId, string Reason);

/// <summary>Erases a duplicate that was merged into an erased customer: the same person.</summary>
public record EraseMergedCustomer(Guid CustomerId, string Reason);

public static class EraseCustomerEndpoint
{
    public const int MaxReasonLength = 500;

    public static ProblemDetails Validate(EraseCustomer command, Customer customer) =>
        new FieldErrors()
            .RequireExpectedVersion(command.Version)
            .RequireText("reason", command.Reason, MaxReasonLength)
            .ForCommand(command.Version, customer);

    /// <summary>
    /// Appends <see cref="CustomerErased"/> (which blanks the profile at once) and, through the outbox in the
    /// same transaction, the messages that mask the stream's earlier events and erase merged duplicates.
    /// </summary>
    [WolverinePost("/api/customers/{customerId}/erasure", OperationId = "EraseCustomer", Summary = "Erase a customer's personal data",
        Description = "Name, contact details, birth date, income, region and tags disappear from the profile at once and from the stored events moments later; the erasure itself, event types, times, purchases and consents remain for the audit. Duplicates merged into this customer are erased too.")]
    [Authorize(Policy = Policies.CustomersWrite)]
    [Tags("Customers")]
    public static (VersionResponse, Events, OutgoingMessages, DuplicateScan.Forget) Post(EraseCustomer command,
        [Target] Customer customer, TimeProvider clock)
    {
        var reason = command.Reason.Trim();
        var messages = new OutgoingMessages { new MaskErasedCustomer(customer.Id), new CustomerWasErased(customer.Id, reason) };
        messages.AddRange(customer.MergedDuplicates.Select(duplicate => new EraseMergedCustomer(duplicate, reason)));
        return (new VersionResponse(customer.Version + 1), [new CustomerErased(reason, clock.GetUtcNow())],
            messages, new DuplicateScan.Forget(customer.Id));
    }
}

public static class EraseMergedCustomerHandler
{
    [AggregateHandler]
    public static (Events, OutgoingMessages) Handle(EraseMergedCustomer command, Customer customer, TimeProvider clock) =>
        customer.Status == CustomerStatus.Erased
            ? ([], [])
            : ([new CustomerErased(command.Reason, clock.GetUtcNow())],
                [new MaskErasedCustomer(customer.Id), new CustomerWasErased(customer.Id, command.Reason)]);
}

/// <summary>Masks the stream through the audit's narrow path, on the handler's session (committed by Wolverine).</summary>
public static class MaskErasedCustomerHandler
{
    public static Task Handle(MaskErasedCustomer command, EventMasking masking, IDocumentSession session, TimeProvider clock,
        CancellationToken cancellation) =>
        masking.Mask(session, command.CustomerId, clock.GetUtcNow(), cancellation);
}

/// <summary>What erasure removes from each kind of event. Country, industry, amounts and times stay.</summary>
public static class CustomerErasure
{
    public const string ErasedName = "[erased]";

    public static void Configure(ErasureRules rules) => rules
        .Mask<CustomerRegistered>(e => e with
        {
            Name = ErasedName, Email = null, Phone = null, Demographics = Mask(e.Demographics), Tags = null,
        })
        .Mask<ContactDetailsChanged>(e => e with { Email = null, Phone = null })
        .Mask<DemographicsChanged>(e => e with { Demographics = Mask(e.Demographics)! })
        .Mask<TagsAdded>(e => e with { Tags = [] })
        .Mask<TagsRemoved>(e => e with { Tags = [] })
        .Mask<CustomerMerged>(e => e with { Tags = [] })
        .Mask<CustomerDeactivated>(e => e with { Reason = null });

    private static Demographics? Mask(Demographics? demographics) =>
        demographics is null ? null : demographics with { BirthDate = null, Age = null, AnnualIncome = null, Region = null };
}
