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

/// <summary>
/// A call, meeting, e-mail or note that happened (<c>occurredAt</c>, default now), or a task to do by
/// <c>dueAt</c>. <c>owner</c> defaults to the user logging it.
/// </summary>
public record LogActivity(
    ActivityKind? Kind,
    string Subject,
    string? Notes = null,
    DateTimeOffset? OccurredAt = null,
    DateTimeOffset? DueAt = null,
    string? Owner = null);

public record ActivityLoggedResponse(Guid Id, int Version) : CreationResponse($"/api/activities/{Id}");

/// <summary>What the route names the activity about, if it exists.</summary>
public sealed record RegardingSubject(Regarding? Regarding, string Description);

/// <summary>Activities are logged against a customer, a lead or an opportunity: three routes, one decision.</summary>
public static class LogActivityEndpoint
{
    public const int MaxSubjectLength = 200;
    public const int MaxNotesLength = 4000;

    public static ProblemDetails Validate(LogActivity command, RegardingSubject subject, ClaimsPrincipal user, TimeProvider clock)
    {
        var errors = new FieldErrors()
            .RequireText("subject", command.Subject, MaxSubjectLength)
            .OptionalMultilineText("notes", command.Notes, MaxNotesLength)
            .OptionalText("owner", command.Owner, AssignOwnerEndpoint.MaxOwnerLength);
        if (command.Kind is null) errors.Add("kind", "'kind' is required: call, meeting, email, note or task.");
        if (command.Kind == ActivityKind.Task && command.DueAt is null) errors.Add("dueAt", "A task needs 'dueAt'.");
        if (command.Kind is not (null or ActivityKind.Task) && command.DueAt is not null)
            errors.Add("dueAt", "Only a task has 'dueAt'.");
        if (command.OccurredAt > clock.GetUtcNow().AddMinutes(5)) errors.Add("occurredAt", "'occurredAt' cannot be in the future.");

        return Problems.FirstOf(
            errors.ToProblem(),
            subject.Regarding is null ? Problems.NotFound($"No {subject.Description}.") : Problems.None,
            Ownership.Check(user, OpportunityChecks.OwnerOf(command.Owner, user), "activity would"));
    }

    public static (ActivityLoggedResponse, IStartStream) Decide(LogActivity command, RegardingSubject subject,
        ClaimsPrincipal user, TimeProvider clock)
    {
        var id = Guid.CreateVersion7();
        var logged = new ActivityLogged(command.Kind!.Value, ContactDetails.NormaliseName(command.Subject),
            string.IsNullOrWhiteSpace(command.Notes) ? null : command.Notes.Trim(), subject.Regarding!,
            OpportunityChecks.OwnerOf(command.Owner, user), command.OccurredAt ?? clock.GetUtcNow(), command.DueAt);
        return (new ActivityLoggedResponse(id, 1), MartenOps.StartStream<Activity>(id, logged));
    }
}

public static class LogCustomerActivityEndpoint
{
    public static async Task<RegardingSubject> LoadAsync(Guid customerId, IQuerySession session, CancellationToken cancellation) =>
        await session.LoadAsync<CustomerProfile>(customerId, cancellation) is { } customer
            ? new(new Regarding(RegardingType.Customer, customer.Id, customer.Id), "customer")
            : new(null, $"customer has id {customerId}");

    public static ProblemDetails Validate(LogActivity command, RegardingSubject subject, ClaimsPrincipal user, TimeProvider clock) =>
        LogActivityEndpoint.Validate(command, subject, user, clock);

    [WolverinePost("/api/customers/{customerId}/activities", OperationId = "LogCustomerActivity", Summary = "Log an activity or task about a customer")]
    [Authorize(Policy = Policies.SalesWrite)]
    [Tags("Activities")]
    public static (ActivityLoggedResponse, IStartStream) Post(LogActivity command, RegardingSubject subject, ClaimsPrincipal user,
        TimeProvider clock) => LogActivityEndpoint.Decide(command, subject, user, clock);
}

public static class LogLeadActivityEndpoint
{
    public static async Task<RegardingSubject> LoadAsync(Guid leadId, IQuerySession session, CancellationToken cancellation) =>
        await session.LoadAsync<LeadView>(leadId, cancellation) is { } lead
            ? new(new Regarding(RegardingType.Lead, lead.Id, lead.CustomerId), "lead")
            : new(null, $"lead has id {leadId}");

    public static ProblemDetails Validate(LogActivity command, RegardingSubject subject, ClaimsPrincipal user, TimeProvider clock) =>
        LogActivityEndpoint.Validate(command, subject, user, clock);

    [WolverinePost("/api/leads/{leadId}/activities", OperationId = "LogLeadActivity", Summary = "Log an activity or task about a lead")]
    [Authorize(Policy = Policies.SalesWrite)]
    [Tags("Activities")]
    public static (ActivityLoggedResponse, IStartStream) Post(LogActivity command, RegardingSubject subject, ClaimsPrincipal user,
        TimeProvider clock) => LogActivityEndpoint.Decide(command, subject, user, clock);
}

public static class LogOpportunityActivityEndpoint
{
    public static async Task<RegardingSubject> LoadAsync(Guid opportunityId, IQuerySession session, CancellationToken cancellation) =>
        await session.LoadAsync<OpportunityView>(opportunityId, cancellation) is { } opportunity
            ? new(new Regarding(RegardingType.Opportunity, opportunity.Id, opportunity.CustomerId), "opportunity")
            : new(null, $"opportunity has id {opportunityId}");

    public static ProblemDetails Validate(LogActivity command, RegardingSubject subject, ClaimsPrincipal user, TimeProvider clock) =>
        LogActivityEndpoint.Validate(command, subject, user, clock);

    [WolverinePost("/api/opportunities/{opportunityId}/activities", OperationId = "LogOpportunityActivity", Summary = "Log an activity or task about an opportunity")]
    [Authorize(Policy = Policies.SalesWrite)]
    [Tags("Activities")]
    public static (ActivityLoggedResponse, IStartStream) Post(LogActivity command, RegardingSubject subject, ClaimsPrincipal user,
        TimeProvider clock) => LogActivityEndpoint.Decide(command, subject, user, clock);
}
