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

/// <summary>A deal with a customer. <c>owner</c> defaults to the user opening it; only an admin names another.</summary>
public record OpenOpportunity(
    Guid CustomerId,
    string Title,
    decimal Amount,
    string Currency,
    DateOnly ExpectedCloseDate,
    string? Owner = null,
    string? Source = null,
    Guid? SourceCampaignId = null);

public record OpportunityOpenedResponse(Guid Id, int Version) : CreationResponse($"/api/opportunities/{Id}");

public static class OpenOpportunityEndpoint
{
    public static async Task<NamedCustomer> LoadAsync(OpenOpportunity command, IQuerySession session,
        CancellationToken cancellation) =>
        await NamedCustomer.Find(session, command.CustomerId, cancellation);

    public static ProblemDetails Validate(OpenOpportunity command, NamedCustomer customer, ClaimsPrincipal user,
        TimeProvider clock)
    {
        var errors = new FieldErrors()
            .CheckOpportunity("", command.Title, command.Amount, command.Currency, command.ExpectedCloseDate, command.Owner, clock)
            .OptionalText("source", command.Source, LeadDetails.MaxSourceLength);
        if (command.CustomerId == Guid.Empty) errors.Add("customerId", "'customerId' is required.");
        if (errors.Any) return errors.ToProblem();

        return Problems.FirstOf(
            customer.RefuseUnlessOpen(command.CustomerId, "opportunity", "opportunities"),
            Ownership.Check(user, OpportunityChecks.OwnerOf(command.Owner, user), "new opportunity would"));
    }

    [WolverinePost("/api/opportunities", OperationId = "OpenOpportunity", Summary = "Open an opportunity",
        Description = "Starts in Prospecting. A sales user opens opportunities for themselves; an admin may name any owner.")]
    [Authorize(Policy = Policies.SalesWrite)]
    [Tags("Opportunities")]
    public static (OpportunityOpenedResponse, IStartStream) Post(OpenOpportunity command, ClaimsPrincipal user,
        TimeProvider clock)
    {
        var id = Guid.CreateVersion7();
        var opened = new OpportunityOpened(command.CustomerId, ContactDetails.NormaliseName(command.Title), command.Amount,
            command.Currency.Trim().ToUpperInvariant(), command.ExpectedCloseDate, OpportunityChecks.OwnerOf(command.Owner, user),
            string.IsNullOrWhiteSpace(command.Source) ? "direct" : Tags.Normalise(command.Source), null,
            command.SourceCampaignId, clock.GetUtcNow());
        return (new OpportunityOpenedResponse(id, 1), MartenOps.StartStream<Opportunity>(id, opened));
    }
}
