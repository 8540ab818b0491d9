using System.Security.Claims;
using CsvHelper;
using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Marketing;

/// <summary>Customers to add to or remove from a static list, by id or by e-mail address.</summary>
public record EditAudienceList(
    int Version,
    IReadOnlyList<Guid>? Add = null,
    IReadOnlyList<Guid>? Remove = null,
    IReadOnlyList<string>? AddEmails = null,
    IReadOnlyList<string>? RemoveEmails = null);

public record AudienceListEditedResponse(int Version, int Entered, int Left, IReadOnlyList<string> UnmatchedEmails,
    IReadOnlyList<Guid> UnknownCustomers);

/// <summary>
/// An edit resolved against the customers and the list as it stands: who actually enters (active customers not yet in
/// it) and leaves (members), and what named nobody.
/// </summary>
public sealed record ListEdit(
    IReadOnlyList<Guid> Entering,
    IReadOnlyList<Guid> Leaving,
    IReadOnlyList<string> UnmatchedEmails,
    IReadOnlyList<Guid> UnknownCustomers,
    ProblemDetails Problem)
{
    public const int MaxCustomers = 10_000;

    public static async Task<ListEdit> Resolve(EditAudienceList command, Guid audienceId, IQuerySession session, NpgsqlDataSource database,
        CancellationToken cancellation, int max = MaxCustomers)
    {
        var errors = new FieldErrors().RequireExpectedVersion(command.Version);
        var named = (command.Add?.Count ?? 0) + (command.Remove?.Count ?? 0) + (command.AddEmails?.Count ?? 0) + (command.RemoveEmails?.Count ?? 0);
        if (named == 0) errors.Add("add", "Name customers to 'add' or 'remove' (by id), or 'addEmails' or 'removeEmails'.");
        if (named > max) errors.Add("add", $"At most {max} customers per request{(max == MaxCustomers ? "; import a file for more" : "")}.");
        if (errors.Any) return new ListEdit([], [], [], [], errors.ToProblem());

        var emails = (command.AddEmails ?? []).Concat(command.RemoveEmails ?? [])
            .Select(ContactDetails.NormaliseEmail).OfType<string>().Distinct().ToArray();
        var ids = (command.Add ?? []).Concat(command.Remove ?? []).Distinct().ToArray();
        var profiles = await session.Query<CustomerProfile>()
            .Where(p => ids.Contains(p.Id) || emails.Contains(p.Email!)).ToListAsync(cancellation);
        var byEmail = profiles.Where(p => p.Email is not null).ToDictionary(p => p.Email!);
        var byId = profiles.ToDictionary(p => p.Id);

        Guid? Of(string email) => ContactDetails.NormaliseEmail(email) is { } e && byEmail.TryGetValue(e, out var p) ? p.Id : null;
        var adding = (command.Add ?? []).Where(byId.ContainsKey).Concat((command.AddEmails ?? []).Select(Of).OfType<Guid>()).ToHashSet();
        var removing = (command.Remove ?? []).Concat((command.RemoveEmails ?? []).Select(Of).OfType<Guid>()).ToHashSet();
        var unmatched = (command.AddEmails ?? []).Concat(command.RemoveEmails ?? []).Where(e => Of(e) is null).Distinct().ToList();
        var unknown = (command.Add ?? []).Concat(command.Remove ?? []).Where(id => !byId.ContainsKey(id)).Distinct().ToList();

        var members = await AudienceMembership.Current(database, audienceId, [.. adding.Concat(removing)], cancellation);
        var entering = adding.Where(id => !removing.Contains(id) && !members.Contains(id)
                                          && byId[id].Status == CustomerStatus.Active).Order().ToList();
        var leaving = removing.Where(members.Contains).Order().ToList();
        return new ListEdit(entering, leaving, unmatched, unknown, Problems.None);
    }

    /// <summary>The list's own event (its version moves, so edits do not cross) and the members stream's decisions.</summary>
    public (AudienceListEditedResponse, Events, AppendEvents) Decide(Audience audience, string reason, DateTimeOffset now)
    {
        var changed = Entering.Count + Leaving.Count > 0;
        var decisions = new List<object>();
        for (var i = 0; i < Math.Max(Entering.Count, Leaving.Count); i += AudienceEvaluation.DecisionsPerEvent)
            decisions.Add(new AudienceMembersChanged(audience.Id,
                [.. Entering.Skip(i).Take(AudienceEvaluation.DecisionsPerEvent).Select(id => new MemberDecision(id))],
                [.. Leaving.Skip(i).Take(AudienceEvaluation.DecisionsPerEvent).Select(id => new MemberDecision(id))], reason, now));
        return (new AudienceListEditedResponse(audience.Version + (changed ? 1 : 0), Entering.Count, Leaving.Count, UnmatchedEmails, UnknownCustomers),
            changed ? [new AudienceListEdited(Entering.Count, Leaving.Count, now)] : [],
            new AppendEvents(audience.MembersStream, decisions));
    }
}

public static class EditAudienceListEndpoint
{
    public static Task<ListEdit> LoadAsync(EditAudienceList command, Guid audienceId, IQuerySession session, NpgsqlDataSource database,
        CancellationToken cancellation) =>
        ListEdit.Resolve(command, audienceId, session, database, cancellation);

    public static ProblemDetails Validate(EditAudienceList command, ListEdit edit, Audience audience) =>
        edit.Problem != Problems.None ? edit.Problem : new FieldErrors().ForCommand(command.Version, audience, AudienceKind.Static, "be edited by hand");

    [WolverinePost("/api/marketing/audiences/{audienceId}/members", OperationId = "EditAudienceList",
        Summary = "Add customers to a static list, or remove them",
        Description = "By id or e-mail address. Only active customers enter; addresses and ids that name no customer are listed in the answer.")]
    [Authorize(Policy = Policies.MarketingWrite)]
    [Tags("Marketing")]
    public static (AudienceListEditedResponse, Events, AppendEvents) Post(EditAudienceList command, ListEdit edit, [Target] Audience audience,
        ClaimsPrincipal user, TimeProvider clock) =>
        edit.Decide(audience, $"edited by {user.Identity?.Name}", clock.GetUtcNow());
}

/// <summary>
/// A file of e-mail addresses for a static list: CSV with an <c>email</c> column (or addresses in the first column),
/// sent as the body (<c>text/csv</c>) or as the multipart field <c>file</c>.
/// </summary>
public static class ImportAudienceListEndpoint
{
    public const int MaxBytes = 4 * 1024 * 1024;
    public const int MaxAddresses = 100_000;

    public static async Task<(EditAudienceList?, ProblemDetails)> ReadAsync(HttpRequest request, int? version, CancellationToken cancellation)
    {
        var errors = new FieldErrors();
        if (version is null) errors.Add("version", "'version' (in the query) is required: the version of the audience you read.");
        if (errors.Any) return (null, errors.ToProblem());
        var (body, unusable) = await UploadedCsv.Read(request, MaxBytes, cancellation);
        if (body is null) return (null, unusable);

        var emails = new List<string>();
        await using var csv = CsvReader.Create(body!, new CsvReaderOptions { HasHeader = false, DetectSeparatorHint = true, SkipEmptyLines = true },
            leaveOpen: true);
        var column = 0;
        var first = true;
        try
        {
            while (await csv.ReadAsync(cancellation))
            {
                var fields = Enumerable.Range(0, csv.FieldCount).Select(csv.GetString).ToArray();
                if (first)
                {
                    first = false;
                    var header = Array.FindIndex(fields, f => f.Trim().Replace("-", "").Replace("_", "").Equals("email", StringComparison.OrdinalIgnoreCase));
                    if (header >= 0) { column = header; continue; }
                }
                if (fields.Length > column && !string.IsNullOrWhiteSpace(fields[column])) emails.Add(fields[column].Trim());
            }
        }
        catch (CsvFormatException malformed)
        {
            return (null, new FieldErrors().Add("file", $"The file is not CSV as expected: {malformed.Message}").ToProblem());
        }
        if (emails.Count == 0) return (null, new FieldErrors().Add("file", "The file holds no e-mail addresses.").ToProblem());
        return (new EditAudienceList(version!.Value, AddEmails: emails), Problems.None);
    }

    [WolverinePost("/api/marketing/audiences/{audienceId}/members/import", OperationId = "ImportAudienceList",
        Summary = "Add the customers in a file of e-mail addresses to a static list",
        Description = "?version=N; a CSV with an 'email' column (or addresses in the first column) as text/csv or the multipart field 'file'.")]
    [Authorize(Policy = Policies.MarketingWrite)]
    [RequestSizeLimit(MaxBytes)]
    [Tags("Marketing")]
    public static async Task<IResult> Post(Guid audienceId, int? version, HttpRequest request, IDocumentSession session,
        NpgsqlDataSource database, ClaimsPrincipal user, TimeProvider clock, CancellationToken cancellation)
    {
        var (command, problem) = await ReadAsync(request, version, cancellation);
        if (command is null) return Results.Problem(problem);
        var stream = await session.Events.FetchForWriting<Audience>(audienceId, cancellation);
        if (stream.Aggregate is not { } audience) return Results.Problem(Problems.NotFound($"No audience has id {audienceId}."));
        var edit = await ListEdit.Resolve(command, audienceId, session, database, cancellation, MaxAddresses);
        var refused = Problems.FirstOf(edit.Problem, new FieldErrors().ForCommand(command.Version, audience, AudienceKind.Static, "be edited by hand"));
        if (refused != Problems.None) return Results.Problem(refused);

        var (response, events, members) = edit.Decide(audience, $"imported by {user.Identity?.Name}", clock.GetUtcNow());
        // Committed by Wolverine's transaction after this method, with the version check of the fetch.
        stream.AppendMany(events);
        members.Execute(session);
        return Results.Ok(response);
    }
}
