using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace EventCrm.Marketing;

public record SuppressAddress(string Email, string? Note = null);

public record LiftSuppression(string Email, string Reason);

/// <summary>Whether an address is on the list (addresses are kept as hashes, so the list is asked about one address at a time).</summary>
public record SuppressionStatus(string AddressHash, bool Suppressed, SuppressionReason? Reason, string? Source, DateTimeOffset? Since);

public static class SuppressionListEndpoints
{
    public static ProblemDetails Validate(SuppressAddress command) =>
        new FieldErrors().RequireText("email", command.Email, ContactDetails.MaxEmailLength).OptionalText("note", command.Note, 200).ToProblem() is var problem
        && problem != Problems.None ? problem
        : ContactDetails.NormaliseEmail(command.Email) is null ? new FieldErrors().Add("email", "'email' must be an e-mail address.").ToProblem() : Problems.None;

    [WolverinePost("/api/marketing/suppressions", OperationId = "SuppressAddress",
        Summary = "Put an address on the suppression list", Description = "No marketing mail goes to it, whatever its consents say.")]
    [Authorize(Policy = Policies.MarketingWrite)]
    [Tags("Marketing")]
    public static async Task<SuppressionStatus> Suppress(SuppressAddress command, IDocumentSession session, TimeProvider clock,
        CancellationToken cancellation)
    {
        var now = clock.GetUtcNow();
        await Bounces.Suppress(session, command.Email, SuppressionReason.Manual, null, string.IsNullOrWhiteSpace(command.Note) ? "manual" : $"manual: {command.Note.Trim()}",
            now, cancellation);
        return new SuppressionStatus(Suppression.HashOf(command.Email), true, SuppressionReason.Manual, "manual", now);
    }
}

public static class LiftSuppressionEndpoint
{
    public static async Task<SuppressionEntry?> LoadAsync(LiftSuppression command, IQuerySession session, CancellationToken cancellation) =>
        ContactDetails.NormaliseEmail(command.Email) is null ? null : await session.LoadAsync<SuppressionEntry>(Suppression.StreamOf(command.Email), cancellation);

    public static ProblemDetails Validate(LiftSuppression command, SuppressionEntry? entry)
    {
        var errors = new FieldErrors().RequireText("email", command.Email, ContactDetails.MaxEmailLength).RequireText("reason", command.Reason, 200);
        if (errors.Any) return errors.ToProblem();
        return entry is { Active: true } ? Problems.None : Problems.RuleViolation("The address is not suppressed.", "There is nothing to lift.");
    }

    [WolverinePost("/api/marketing/suppressions/lift", OperationId = "LiftSuppression",
        Summary = "Take an address off the suppression list", Description = "It gets marketing mail again where its consents allow.")]
    [Authorize(Policy = Policies.MarketingWrite)]
    [Tags("Marketing")]
    public static SuppressionStatus Post(LiftSuppression command, SuppressionEntry? entry, IDocumentSession session, TimeProvider clock)
    {
        session.Events.Append(entry!.Id, new AddressSuppressionLifted(command.Reason.Trim(), clock.GetUtcNow()));
        return new SuppressionStatus(entry.AddressHash, false, null, null, null);
    }
}

public static class SuppressionQuery
{
    public static ProblemDetails Validate(string? email) =>
        ContactDetails.NormaliseEmail(email) is null ? new FieldErrors().Add("email", "'email' (in the query) must be an e-mail address.").ToProblem() : Problems.None;

    [WolverineGet("/api/marketing/suppressions", OperationId = "GetSuppression", Summary = "Whether an address is on the suppression list (?email=)")]
    [Authorize(Policy = Policies.MarketingRead)]
    [Tags("Marketing")]
    public static async Task<SuppressionStatus> Get(string? email, IQuerySession session, CancellationToken cancellation)
    {
        var entry = await session.LoadAsync<SuppressionEntry>(Suppression.StreamOf(email!), cancellation);
        return new SuppressionStatus(Suppression.HashOf(email!), entry?.Active ?? false, entry?.Active == true ? entry.Reason : null,
            entry?.Active == true ? entry.Source : null, entry?.Active == true ? entry.SuppressedAt : null);
    }
}

/// <summary>
/// Once a day: audiences whose filters read the date (age, days since the last purchase) are asked to be looked at in
/// full, since who belongs changes without any event.
/// </summary>
public sealed class RefreshAudiences(IDocumentStore store, TimeProvider clock)
{
    public const string JobId = "refresh-audiences";

    [Hangfire.JobDisplayName("Refresh date-dependent audiences")]
    public async Task Run(CancellationToken cancellation)
    {
        await using var session = store.LightweightSession();
        session.LastModifiedBy = "scheduler";
        session.SetHeader(CommandMetadata.SourceHeader, $"job:{JobId}");
        var due = await session.Query<AudienceView>().Where(a => a.Kind == AudienceKind.Dynamic && !a.Archived && a.DependsOnDate)
            .Select(a => a.Id).ToListAsync(cancellation);
        foreach (var id in due) session.Events.Append(id, new AudienceRefreshRequested("the date moved on", clock.GetUtcNow()));
        await session.SaveChangesAsync(cancellation);
    }
}
