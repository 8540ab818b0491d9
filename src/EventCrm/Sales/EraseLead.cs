using EventCrm.Audit;
using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Sales;

/// <summary>The right to erasure for a lead; <c>reason</c> records why (the request's reference, not personal data).</summary>
public record EraseLead(int Version, string Reason);

public static class EraseLeadEndpoint
{
    public const int MaxReasonLength = 500;

    public static ProblemDetails Validate(EraseLead command, Lead lead) =>
        new FieldErrors()
            .RequireExpectedVersion(command.Version)
            .RequireText("reason", command.Reason, MaxReasonLength)
            .ForLeadCommand(command.Version, lead, LeadStatus.New, LeadStatus.Qualified, LeadStatus.Disqualified, LeadStatus.Converted);

    /// <summary>Appends <see cref="LeadErased"/> (which blanks the lead at once) and, through the outbox, the masking of its events.</summary>
    [WolverinePost("/api/leads/{leadId}/erasure", OperationId = "EraseLead", Summary = "Erase a lead's personal data",
        Description = "Name, e-mail, phone, company, message and user agent disappear from the lead at once and from its stored events moments later; the erasure itself, the source, the times and the link to a customer remain for the audit.")]
    [Authorize(Policy = Policies.SalesWrite)]
    [Tags("Leads")]
    public static (VersionResponse, Events, OutgoingMessages) Post(EraseLead command, [Target] Lead lead, TimeProvider clock) =>
        (new VersionResponse(lead.Version + 1), [new LeadErased(command.Reason.Trim(), clock.GetUtcNow())],
            [new MaskErasedStream(lead.Id)]);
}

/// <summary>When a customer is erased, so are the leads that became that customer.</summary>
public static class EraseConvertedLeadsHandler
{
    public static async Task<OutgoingMessages> Handle(CustomerWasErased erased, IDocumentSession session, TimeProvider clock,
        CancellationToken cancellation)
    {
        var leads = await session.Query<LeadView>()
            .Where(l => l.CustomerId == erased.CustomerId && l.Status != LeadStatus.Erased)
            .Select(l => l.Id)
            .ToListAsync(cancellation);
        var messages = new OutgoingMessages();
        foreach (var lead in leads)
        {
            session.Events.Append(lead, new LeadErased(erased.Reason, clock.GetUtcNow()));
            messages.Add(new MaskErasedStream(lead));
        }
        return messages;
    }
}
