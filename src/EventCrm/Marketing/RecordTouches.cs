using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using CsvHelper;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace EventCrm.Marketing;

/// <summary>One touch as reported: who (by id or e-mail), what kind, when it happened, and what it cost.</summary>
public record TouchInput(Guid? CustomerId = null, string? Email = null, TouchKind? Kind = null, DateTimeOffset? At = null, decimal? Cost = null);

public record RecordTouches(IReadOnlyList<TouchInput>? Touches);

public record TouchRejected(int Row, string Field, string Reason);

public record TouchesRecorded(int Recorded, IReadOnlyList<TouchRejected> Rejected);

/// <summary>The touches cleaned and resolved to customers, and the rows that could not be.</summary>
public sealed record TouchBatch(IReadOnlyList<(Guid Customer, TouchKind Kind, DateTimeOffset At, decimal? Cost)> Touches,
    IReadOnlyList<TouchRejected> Rejected)
{
    public const int MaxTouches = 5_000;
    public const int MaxFileRows = 20_000;

    public static async Task<TouchBatch> Resolve(IReadOnlyList<TouchInput> inputs, IQuerySession session, DateTimeOffset now,
        CancellationToken cancellation)
    {
        var emails = inputs.Select(t => ContactDetails.NormaliseEmail(t.Email)).OfType<string>().Distinct().ToArray();
        var ids = inputs.Select(t => t.CustomerId).OfType<Guid>().Distinct().ToArray();
        var profiles = await session.Query<CustomerProfile>().Where(p => ids.Contains(p.Id) || emails.Contains(p.Email!)).ToListAsync(cancellation);
        var byId = profiles.ToDictionary(p => p.Id);
        var byEmail = profiles.Where(p => p.Email is not null).ToDictionary(p => p.Email!);

        var touches = new List<(Guid, TouchKind, DateTimeOffset, decimal?)>();
        var rejected = new List<TouchRejected>();
        for (var i = 0; i < inputs.Count; i++)
        {
            var input = inputs[i];
            var row = i + 1;
            var profile = input.CustomerId is { } id ? byId.GetValueOrDefault(id)
                : ContactDetails.NormaliseEmail(input.Email) is { } email ? byEmail.GetValueOrDefault(email) : null;
            if (input.CustomerId is null && string.IsNullOrWhiteSpace(input.Email)) rejected.Add(new(row, "customerId", "Name the customer by 'customerId' or 'email'."));
            else if (profile is null) rejected.Add(new(row, input.CustomerId is null ? "email" : "customerId", "No customer has it."));
            else if (profile.Status == CustomerStatus.Erased) rejected.Add(new(row, "customerId", "The customer was erased."));
            else if (input.Kind is null) rejected.Add(new(row, "kind", "'kind' is impression, click, visit, attended or reply."));
            else if (input.At is not { } at) rejected.Add(new(row, "at", "'at' is required: when the touch happened."));
            else if (at > now.AddMinutes(5)) rejected.Add(new(row, "at", "'at' cannot be in the future."));
            else if (input.Cost is < 0 || (input.Cost is { } cost && decimal.Round(cost, 4) != cost)) rejected.Add(new(row, "cost", "'cost' is 0 or more, with at most 4 decimals."));
            else touches.Add((profile.MergedInto ?? profile.Id, input.Kind.Value, at, input.Cost));
        }
        return new TouchBatch(touches, rejected);
    }

    /// <summary>Each touch on its customer's stream in the campaign; a stream is started for a customer the campaign had not reached.</summary>
    public async Task Record(IDocumentSession session, Campaign campaign, string source, DateTimeOffset now, CancellationToken cancellation)
    {
        var streams = Touches.Select(t => CampaignRecipient.StreamId(campaign.Id, t.Customer)).Distinct().ToArray();
        var existing = (await session.LoadManyAsync<CampaignRecipientView>(cancellation, streams)).Select(v => v.Id).ToHashSet();
        foreach (var group in Touches.GroupBy(t => t.Customer))
        {
            var id = CampaignRecipient.StreamId(campaign.Id, group.Key);
            var events = group.OrderBy(t => t.At).Select(t => (object)new TouchRecorded(t.Kind, t.At, t.Cost, t.Cost is null ? null : campaign.Currency, source)).ToList();
            if (existing.Contains(id)) session.Events.Append(id, events);
            else session.Events.StartStream<CampaignRecipient>(id, [new CampaignRecipientAdded(campaign.Id, group.Key, null, null, null, now), .. events]);
        }
    }
}

public static class RecordTouchesEndpoint
{
    public static ProblemDetails Validate(RecordTouches command) =>
        command.Touches is not { Count: > 0 } touches
            ? new FieldErrors().Add("touches", "'touches' is required: a list of {customerId | email, kind, at, cost?}.").ToProblem()
            : touches.Count > TouchBatch.MaxTouches
                ? new FieldErrors().Add("touches", $"At most {TouchBatch.MaxTouches} touches per request; import a file for more.").ToProblem()
                : Problems.None;

    public static ProblemDetails RefuseUnlessUnderway(Campaign? campaign, Guid id) => campaign switch
    {
        null => Problems.NotFound($"No campaign has id {id}."),
        { Status: CampaignStatus.Running or CampaignStatus.Completed } => Problems.None,
        _ => Problems.RuleViolation("The campaign is not under way.",
            $"Touches are recorded for running or completed campaigns; campaign {id} is {campaign.Status.ToString().ToLowerInvariant()}."),
    };

    [WolverinePost("/api/marketing/campaigns/{campaignId}/touches", OperationId = "RecordTouches",
        Summary = "Record touches of channels the system does not deliver (ads, social, events)",
        Description = "Up to 5,000 of {customerId | email, kind: impression|click|visit|attended|reply, at, cost?}. Rows that name nobody are listed, the rest recorded. Send an Idempotency-Key: touches are facts.")]
    [Authorize(Policy = Policies.MarketingWrite)]
    [Tags("Marketing")]
    public static async Task<IResult> Post(Guid campaignId, RecordTouches command, IDocumentSession session, TimeProvider clock,
        CancellationToken cancellation) =>
        await Record(campaignId, command.Touches!, "api", session, clock, cancellation);

    public static async Task<IResult> Record(Guid campaignId, IReadOnlyList<TouchInput> inputs, string source, IDocumentSession session,
        TimeProvider clock, CancellationToken cancellation)
    {
        var campaign = await session.Events.AggregateStreamAsync<Campaign>(campaignId, token: cancellation);
        if (RefuseUnlessUnderway(campaign, campaignId) is var refused && refused != Problems.None) return Results.Problem(refused);
        var now = clock.GetUtcNow();
        var batch = await TouchBatch.Resolve(inputs, session, now, cancellation);
        await batch.Record(session, campaign!, source, now, cancellation);
        return Results.Ok(new TouchesRecorded(batch.Touches.Count, batch.Rejected));
    }
}

/// <summary>The same touches as a CSV file: columns customerId or email, kind, at (ISO 8601), cost.</summary>
public static class ImportTouchesEndpoint
{
    public const int MaxBytes = 8 * 1024 * 1024;

    [WolverinePost("/api/marketing/campaigns/{campaignId}/touches/import", OperationId = "ImportTouches",
        Summary = "Record touches from a CSV file", Description = "Columns customerId or email, kind, at (ISO 8601), cost; as text/csv or the multipart field 'file'; up to 20,000 rows.")]
    [Authorize(Policy = Policies.MarketingWrite)]
    [RequestSizeLimit(MaxBytes)]
    [Tags("Marketing")]
    public static async Task<IResult> Post(Guid campaignId, HttpRequest request, IDocumentSession session, TimeProvider clock,
        CancellationToken cancellation)
    {
        var (body, unusable) = await UploadedCsv.Read(request, MaxBytes, cancellation);
        if (body is null) return Results.Problem(unusable);

        var inputs = new List<TouchInput>();
        var unreadable = new List<TouchRejected>();
        try
        {
            await using var csv = CsvReader.Create(body, new CsvReaderOptions { DetectSeparatorHint = true, SkipEmptyLines = true }, leaveOpen: true);
            while (await csv.ReadAsync(cancellation))
            {
                if (inputs.Count + unreadable.Count >= TouchBatch.MaxFileRows)
                    return Results.Problem(new FieldErrors().Add("file", $"At most {TouchBatch.MaxFileRows} rows per file.").ToProblem());
                string? Field(string name) => csv.TryGetFieldIndex(name, out var i) && !csv.IsEmpty(i) ? csv.GetString(i).Trim() : null;
                var row = inputs.Count + unreadable.Count + 1;
                Guid? customer = Field("customerId") is { } id ? Guid.TryParse(id, out var g) ? g : Guid.Empty : null;
                TouchKind? kind = Field("kind") is { } k && Enum.TryParse<TouchKind>(k, true, out var parsed) && Enum.IsDefined(parsed) ? parsed : null;
                DateTimeOffset? at = Field("at") is { } a && DateTimeOffset.TryParse(a, System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.AssumeUniversal, out var time) ? time : null;
                decimal? cost = Field("cost") is { } c ? decimal.TryParse(c, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var m) ? m : -1 : null;
                if (customer == Guid.Empty) unreadable.Add(new(row, "customerId", "Not a customer id."));
                else inputs.Add(new TouchInput(customer, Field("email"), kind, at, cost));
            }
        }
        catch (CsvFormatException malformed)
        {
            return Results.Problem(new FieldErrors().Add("file", $"The file is not CSV as expected: {malformed.Message}").ToProblem());
        }
        if (inputs.Count == 0 && unreadable.Count == 0) return Results.Problem(new FieldErrors().Add("file", "The file holds no touches.").ToProblem());

        var recorded = await RecordTouchesEndpoint.Record(campaignId, inputs, "import", session, clock, cancellation);
        if (unreadable.Count == 0 || recorded is not Microsoft.AspNetCore.Http.HttpResults.Ok<TouchesRecorded> ok) return recorded;
        return Results.Ok(ok.Value! with { Rejected = [.. unreadable, .. ok.Value.Rejected] });
    }
}
