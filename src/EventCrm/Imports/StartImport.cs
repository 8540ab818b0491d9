using System.Globalization;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Hangfire;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace EventCrm.Imports;

/// <summary>
/// How the caller wants the file read (query parameters of both import endpoints): <c>onDuplicate</c> skip
/// (default), update or flag; <c>culture</c> of numbers and dates, e.g. de-DE (default en-US); <c>mapping</c>
/// of headers the importer would not recognise, "Kundenname=name,Mail=email".
/// </summary>
public sealed record ImportRequest(string? OnDuplicate, string? Culture, string? Mapping);

public record ImportAccepted(Guid Id, string Status, string Url);

/// <summary>
/// Stores an uploaded file and starts its import: during the request for a small file (201 with the report),
/// as a background job for a large one (202; follow the <c>Location</c>). The same for the CLI verb.
/// </summary>
public sealed class ImportStarter(IDocumentStore store, ImportQueries imports, ImportFiles files, ImportRunner runner,
    ImportRules rules, IBackgroundJobClient jobs, TimeProvider clock)
{
    public static FieldErrors Check(ImportKind kind, ImportRequest request, FieldErrors errors)
    {
        if (request.OnDuplicate is not null && !Enum.TryParse<OnDuplicate>(request.OnDuplicate, ignoreCase: true, out _))
            errors.Add("onDuplicate", "'onDuplicate' is skip, update or flag.");
        if (request.OnDuplicate is not null && kind == ImportKind.Purchases)
            errors.Add("onDuplicate", "Purchases already recorded are always skipped; 'onDuplicate' is for customer imports.");
        if (request.Culture is not null && !IsCulture(request.Culture))
            errors.Add("culture", $"'{request.Culture}' is not a culture name such as en-US or de-DE.");
        var fields = kind == ImportKind.Customers ? ImportFields.Customers : ImportFields.Purchases;
        foreach (var pair in Pairs(request.Mapping))
        {
            if (pair.Header.Length == 0 || !fields.Names.Contains(pair.Field))
                errors.Add("mapping", $"'{pair.Header}={pair.Field}': map a header to one of {string.Join(", ", fields.Names)}.");
        }
        return errors.OptionalText("mapping", request.Mapping, 2000);
    }

    public static ImportOptions Options(ImportRequest request, ImportRules rules) => new(
        request.OnDuplicate is null ? OnDuplicate.Skip : Enum.Parse<OnDuplicate>(request.OnDuplicate, ignoreCase: true),
        request.Culture ?? rules.DefaultCulture,
        Pairs(request.Mapping).ToDictionary(p => p.Header, p => p.Field));

    private static IEnumerable<(string Header, string Field)> Pairs(string? mapping) =>
        (mapping ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(pair => pair.Split('=', 2, StringSplitOptions.TrimEntries))
            .Select(parts => (parts[0], parts.Length > 1 ? parts[1] : ""));

    private static bool IsCulture(string name)
    {
        try
        {
            return CultureInfo.GetCultureInfo(name, predefinedOnly: true) is { } culture && culture.Name.Length > 0;
        }
        catch (CultureNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// Stores the file and records the batch, or neither: a file too large, not UTF-8, or that cannot be imported at
    /// all (no usable header, not a JSON array of objects) leaves nothing behind, not even a failed batch.
    /// </summary>
    public async Task<(Guid Id, StoredFile File)> Store(ImportKind kind, string fileName, string format, Stream content, ImportOptions options,
        Action<IDocumentSession> metadata, CancellationToken cancellation)
    {
        var id = Guid.CreateVersion7();
        var fields = kind == ImportKind.Customers ? ImportFields.Customers : ImportFields.Purchases;
        var stored = await files.Store(id, content, ImportRules.MaxFileBytes,
            (start, whole) => ImportSource.Refusal(start, whole, format, fields, options.Mapping, cancellation), cancellation);
        if (stored is not StoredFile.Kept kept) return (id, stored);
        await using var session = store.LightweightSession();
        metadata(session);
        session.Events.StartStream<ImportBatch>(id, new ImportStarted(kind, fileName, format, kept.Bytes, kept.Sha256, options, clock.GetUtcNow()));
        await session.SaveChangesAsync(cancellation);
        return (id, stored);
    }

    public async Task<IResult> Start(ImportKind kind, ImportRequest request, HttpContext http, CancellationToken cancellation)
    {
        var upload = await ImportUpload.Read(http, cancellation);
        if (upload.Problem is { } refused) return Results.Problem(refused);

        var (batchId, stored) = await Store(kind, upload.FileName, upload.Format, upload.Content!, Options(request, rules),
            session => CommandMetadata.Apply(session, http), cancellation);
        switch (stored)
        {
            case StoredFile.TooLarge:
                return Results.Problem(new ProblemDetails
                {
                    Type = "urn:eventcrm:problem:payload-too-large",
                    Title = "The file is too large.",
                    Status = StatusCodes.Status413PayloadTooLarge,
                    Detail = $"An import file is at most {ImportRules.MaxFileBytes / (1024 * 1024)} MiB.",
                });
            case StoredFile.NotUtf8 notUtf8:
                return Results.Problem(Problems.Validation(new Dictionary<string, string[]>
                {
                    [upload.Field] = [$"The file is not UTF-8 text: byte {notUtf8.At + 1:N0} is not part of any UTF-8 character. Save it as UTF-8 (in a spreadsheet: 'CSV UTF-8') and send it again."],
                }));
            case StoredFile.Refused refusal:
                return Results.Problem(Problems.RuleViolation("The file cannot be imported.", refusal.Reason));
        }

        var url = $"/api/imports/{batchId}";
        var size = ((StoredFile.Kept)stored).Bytes;
        if (size > rules.InlineMaxBytes)
        {
            jobs.Enqueue<ImportRunner>(job => job.Run(batchId, CancellationToken.None));
            return Results.Accepted(url, new ImportAccepted(batchId, "queued", url));
        }
        // Not the request's token: a client that hangs up must not leave half a file imported.
        var done = await runner.Run(batchId, null, CancellationToken.None);
        if (done is { Status: ImportStatus.Failed })
            return Results.Problem(Problems.RuleViolation("The file cannot be imported.", done.Failure!,
                new Dictionary<string, object?> { ["importId"] = batchId, ["import"] = url }));
        return Results.Created(url, await imports.Report(batchId, 1, Paging.DefaultPageSize, cancellation));
    }
}

public static class StartCustomerImportEndpoint
{
    public static ProblemDetails Validate(string? onDuplicate, string? culture, string? mapping) =>
        ImportStarter.Check(ImportKind.Customers, new ImportRequest(onDuplicate, culture, mapping), new FieldErrors()).ToProblem();

    [WolverinePost("/api/imports/customers", OperationId = "ImportCustomers", Summary = "Import customers from a CSV or JSON file",
        Description = "multipart/form-data with the file in 'file' (CSV: , ; or tab, UTF-8 with or without BOM; or JSON), or a JSON array as the body. " +
                      "Rows are cleaned, checked like the API's register command and matched to existing customers by e-mail, then phone; onDuplicate=skip|update|flag. " +
                      "A registration date column (customer_since, signup_date, created, ...) says when each became a customer; without one, the import's time. " +
                      "Small files answer 201 with the report; large ones 202, with the report at the Location.")]
    [Authorize(Policy = Policies.CustomersWrite)]
    [Tags("Imports")]
    [RequestSizeLimit(ImportRules.MaxFileBytes)]
    [ProducesResponseType(typeof(ImportReport), 201)]
    [ProducesResponseType(typeof(ImportAccepted), 202)]
    public static Task<IResult> Post(string? onDuplicate, string? culture, string? mapping, HttpContext http, ImportStarter starter) =>
        starter.Start(ImportKind.Customers, new ImportRequest(onDuplicate, culture, mapping), http, CancellationToken.None);
}

public static class StartPurchaseImportEndpoint
{
    public static ProblemDetails Validate(string? onDuplicate, string? culture, string? mapping) =>
        ImportStarter.Check(ImportKind.Purchases, new ImportRequest(onDuplicate, culture, mapping), new FieldErrors()).ToProblem();

    [WolverinePost("/api/imports/purchases", OperationId = "ImportPurchases", Summary = "Import purchases from a CSV or JSON file",
        Description = "Columns: customer e-mail or customerId, amount, currency, product, category (optional), purchasedAt. " +
                      "A purchase already recorded (same customer, amount, currency, product and time) is skipped, so a file can be imported again safely.")]
    [Authorize(Policy = Policies.CustomersWrite)]
    [Tags("Imports")]
    [RequestSizeLimit(ImportRules.MaxFileBytes)]
    [ProducesResponseType(typeof(ImportReport), 201)]
    [ProducesResponseType(typeof(ImportAccepted), 202)]
    public static Task<IResult> Post(string? onDuplicate, string? culture, string? mapping, HttpContext http, ImportStarter starter) =>
        starter.Start(ImportKind.Purchases, new ImportRequest(onDuplicate, culture, mapping), http, CancellationToken.None);
}
