using System.Security.Claims;
using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Sales;

/// <summary>The opportunity a conversion opens; <c>owner</c> defaults to the converting user.</summary>
public record NewOpportunity(string Title, decimal Amount, string Currency, DateOnly ExpectedCloseDate, string? Owner = null);

public record ConvertLead(int Version, NewOpportunity? Opportunity);

public record LeadConvertedResponse(Guid CustomerId, bool NewCustomer, Guid OpportunityId, int Version);

/// <summary>
/// Who a lead becomes: the customer its e-mail already belongs to (the survivor, for a merged duplicate), or a new
/// customer, registered by the customer context's own rules as if the API had been asked; and the campaign its UTM
/// campaign code names, if any.
/// </summary>
public sealed record LeadCustomer(NamedCustomer Existing, CustomerRegistration? Registration, Guid? Campaign)
{
    /// <summary>The customer <paramref name="existing"/> names, or else a registration made from the lead.</summary>
    public static LeadCustomer For(Lead lead, NamedCustomer existing, CustomerRules rules, DateTimeOffset now, Guid? campaign = null) =>
        new(existing, existing.Id is null
            ? CustomerRegistration.Of(new RegisterCustomer(lead.Name, lead.Email, lead.Phone, AcquisitionSource: AcquisitionSource(lead)),
                rules, now)
            : null, campaign);

    /// <summary>
    /// "lead:" and the lead's source, cut to the length a customer's source may have: a source is as long as a lead
    /// allows (a web form's is "form:" and the form's name), and a label the system writes must not stop a conversion.
    /// </summary>
    private static string AcquisitionSource(Lead lead)
    {
        var source = $"lead:{lead.Source}";
        return source.Length <= CustomerRegistration.MaxSourceLength ? source : source[..CustomerRegistration.MaxSourceLength].TrimEnd();
    }
}

/// <summary>
/// Turns a lead into a customer (the existing one with the same e-mail, or a new one) and an opportunity, in
/// one transaction: the lead's, the opportunity's and a new customer's events commit together, under one
/// correlation id, or not at all.
/// </summary>
public static class ConvertLeadEndpoint
{
    public static async Task<LeadCustomer> LoadAsync(Lead lead, IQuerySession session, CustomerRules rules, TimeProvider clock,
        ICampaignCodes campaigns, CancellationToken cancellation)
    {
        var existing = await NamedCustomer.WithEmail(session, lead.Email, cancellation);
        var campaign = lead.Utm?.Campaign is { } code ? await campaigns.CampaignWithCode(code, cancellation) : null;
        return LeadCustomer.For(lead, existing, rules, clock.GetUtcNow(), campaign);
    }

    public static ProblemDetails Validate(ConvertLead command, Lead lead, LeadCustomer customer, ClaimsPrincipal user,
        TimeProvider clock)
    {
        var errors = new FieldErrors().RequireExpectedVersion(command.Version);
        if (command.Opportunity is not { } opportunity)
            errors.Add("opportunity", "'opportunity' is required: the deal to open for the new customer.");
        else
            errors.CheckOpportunity("opportunity.", opportunity.Title, opportunity.Amount, opportunity.Currency,
                opportunity.ExpectedCloseDate, opportunity.Owner, clock);

        return Problems.FirstOf(
            errors.ForLeadCommand(command.Version, lead, LeadStatus.New, LeadStatus.Qualified),
            command.Opportunity?.Owner is { } owner ? Ownership.Check(user, owner, "new opportunity would") : Problems.None,
            customer.Existing.Profile is { Status: CustomerStatus.Erased }
                ? Problems.RuleViolation("The lead's e-mail belongs to an erased customer.", "Capture the person again if they are back.")
                : Problems.None,
            customer.Registration?.Problem is { Status: not null } refused
                ? Problems.RuleViolation("The lead cannot become a customer as it stands.",
                    $"Its details break the customer rules: {Describe(refused)} Correct the lead, then convert it.")
                : Problems.None);
    }

    private static string Describe(ProblemDetails problem) =>
        problem is HttpValidationProblemDetails validation
            ? string.Join(" ", validation.Errors.SelectMany(e => e.Value))
            : problem.Detail ?? problem.Title ?? "";

    [WolverinePost("/api/leads/{leadId}/convert", OperationId = "ConvertLead", Summary = "Convert a lead into a customer and an opportunity",
        Description = "Links to the customer with the lead's e-mail, or registers a new one, and opens an opportunity: all in one transaction.")]
    [Authorize(Policy = Policies.SalesWrite)]
    [Tags("Leads")]
    public static (LeadConvertedResponse, Events, IMartenOp, IMartenOp) Post(ConvertLead command, [Target] Lead lead,
        LeadCustomer customer, ClaimsPrincipal user, TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        var details = command.Opportunity!;
        var customerId = customer.Existing.Id ?? Guid.CreateVersion7();
        var opportunityId = Guid.CreateVersion7();

        // Consents the lead confirmed by double opt-in become the customer's, with the confirmation's time.
        IMartenOp registered = customer.Registration is { } registration
            ? MartenOps.StartStream<Customer>(customerId, [registration.Registered(now),
                .. lead.ConfirmedConsents.Select(c => Granted(c, lead))])
            : new AppendConsents(customerId, [.. lead.ConfirmedConsents
                .Where(c => !Consent.IsGranted(customer.Existing.Profile!.Consents, ConsentChannel.Email, c.Purpose))
                .Select(c => Granted(c, lead))]);
        var opportunity = MartenOps.StartStream<Opportunity>(opportunityId, new OpportunityOpened(
            customerId, ContactDetails.NormaliseName(details.Title), details.Amount, details.Currency.Trim().ToUpperInvariant(),
            details.ExpectedCloseDate, OpportunityChecks.OwnerOf(details.Owner, user), lead.Source, lead.Id, customer.Campaign, now,
            lead.Utm));

        var isNew = customer.Registration is not null;
        return (new LeadConvertedResponse(customerId, isNew, opportunityId, lead.Version + 1),
            [new LeadConverted(customerId, isNew, opportunityId, now, lead.Utm)], registered, opportunity);
    }

    private static ConsentGranted Granted(LeadConsentConfirmed confirmed, Lead lead) =>
        new(ConsentChannel.Email, confirmed.Purpose, $"double opt-in (lead {lead.Id})", confirmed.ConfirmedAt);

    /// <summary>The confirmed consents an existing customer did not have yet, on its own stream.</summary>
    private sealed record AppendConsents(Guid CustomerId, IReadOnlyList<object> Events) : IMartenOp
    {
        public void Execute(IDocumentSession session)
        {
            if (Events.Count > 0) session.Events.Append(CustomerId, Events);
        }
    }
}
