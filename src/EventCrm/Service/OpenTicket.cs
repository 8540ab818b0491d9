using EventCrm.Infrastructure;
using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using EventCrm.Sales;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Service;

/// <summary>A customer's inquiry, complaint or feedback, as it came in (<c>channel</c>: email, phone, chat, web, ...).</summary>
public record OpenTicket(
    Guid CustomerId,
    TicketKind? Kind,
    string Subject,
    string Description,
    TicketPriority? Priority = null,
    string? Channel = null);

public record TicketOpenedResponse(Guid Id, int Version) : CreationResponse($"/api/tickets/{Id}");

public static class OpenTicketEndpoint
{
    public const int MaxChannelLength = 30;

    public static async Task<NamedCustomer> LoadAsync(OpenTicket command, IQuerySession session, CancellationToken cancellation) =>
        await NamedCustomer.Find(session, command.CustomerId, cancellation);

    public static ProblemDetails Validate(OpenTicket command, NamedCustomer customer)
    {
        var errors = new FieldErrors()
            .RequireText("subject", command.Subject, TicketChecks.MaxSubjectLength)
            .OptionalText("channel", command.Channel, MaxChannelLength);
        errors.RequireMultilineText("description", command.Description, TicketChecks.MaxTextLength);
        if (command.Kind is null) errors.Add("kind", "'kind' is required: inquiry, complaint or feedback.");
        if (command.CustomerId == Guid.Empty) errors.Add("customerId", "'customerId' is required.");

        return Problems.FirstOf(
            errors.ToProblem(),
            customer.RefuseUnlessOpen(command.CustomerId, "ticket", "tickets"));
    }

    [WolverinePost("/api/tickets", OperationId = "OpenTicket", Summary = "Open a ticket",
        Description = "Priority defaults to normal, channel to 'email'. The SLA targets of the priority are promised from now, and a check is scheduled for each.")]
    [Authorize(Policy = Policies.ServiceWrite)]
    [Tags("Tickets")]
    public static (TicketOpenedResponse, IStartStream, OutgoingMessages) Post(OpenTicket command, ServiceRules rules,
        TimeProvider clock)
    {
        var id = Guid.CreateVersion7();
        var priority = command.Priority ?? TicketPriority.Normal;
        var opened = new TicketOpened(command.CustomerId, command.Kind!.Value, ContactDetails.NormaliseName(command.Subject),
            command.Description.Trim(), priority, string.IsNullOrWhiteSpace(command.Channel) ? "email" : Tags.Normalise(command.Channel),
            rules.PolicyFor(priority), clock.GetUtcNow());
        var ticket = Fold<Ticket>.Apply(null, opened) with { Id = id };
        return (new TicketOpenedResponse(id, 1), MartenOps.StartStream<Ticket>(id, opened), SlaSchedule.ChecksFor(ticket));
    }
}
