using System.Globalization;
using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using Hangfire;
using JasperFx;
using Marten;
using SessionOptions = Marten.Services.SessionOptions;
using Npgsql;

namespace EventCrm.Imports;

/// <summary>
/// Works through a stored file in commits of <see cref="RowsPerCommit"/> rows. Each commit appends the
/// customers' events and the batch's <see cref="ImportRowsProcessed"/> in one transaction, against the batch's
/// version, so a run that stops (a crash, a deploy) resumes after the last committed row and two runs never
/// both apply a slice. Every event carries the importing user, the batch id as correlation id and the source
/// <c>import:&lt;batchId&gt;</c>.
/// </summary>
public sealed class ImportRunner(IDocumentStore store, ImportFiles files, ImportConnections connections, CustomerImport customers,
    PurchaseImport purchases, TimeProvider clock, ILogger<ImportRunner> logger)
{
    public const int RowsPerCommit = 500;

    [JobDisplayName("Import {0}")]
    [AutomaticRetry(Attempts = 3)]
    public Task Run(Guid batchId, CancellationToken cancellation) => Run(batchId, null, cancellation);

    public async Task<ImportBatch?> Run(Guid batchId, IProgress<ImportBatch>? progress, CancellationToken cancellation)
    {
        var batch = await Load(batchId, cancellation);
        if (batch is null || batch.Status is not (ImportStatus.Queued or ImportStatus.Running)) return batch;

        IRowImporter importer = batch.Kind == ImportKind.Customers ? customers : purchases;
        var context = new ImportContext(batch, CultureInfo.GetCultureInfo(batch.Options.Culture));
        await using var file = files.Open(batchId);
        var source = new ImportSource(file, batch.Format, importer.Fields, batch.Options.Mapping, context.Culture);

        var slice = new List<object>();
        var columnsRecorded = batch.Status == ImportStatus.Running;
        await foreach (var item in source.Read(cancellation))
        {
            if (!columnsRecorded)
            {
                columnsRecorded = true;
                await Append(batchId, batch.Version, new ImportColumnsRead(source.Columns, source.Ignored), cancellation);
                batch = (await Load(batchId, cancellation))!;
            }
            var row = item is SourceRow r ? r.Row : ((UnreadableRow)item).Row;
            if (row <= batch.LastRow)
            {
                Remember(item, importer, context); // already committed by an earlier run: only recall it
                continue;
            }
            slice.Add(item);
            if (slice.Count < RowsPerCommit) continue;
            batch = await Commit(batch, slice, file.Position, importer, context, cancellation);
            progress?.Report(batch);
            slice.Clear();
        }

        if (source.Unusable is { } reason)
        {
            await Append(batchId, batch.Version, new ImportFailed(reason, clock.GetUtcNow()), cancellation);
        }
        else
        {
            if (!columnsRecorded)
                await Append(batchId, batch.Version, new ImportColumnsRead(source.Columns, source.Ignored), cancellation);
            batch = (await Load(batchId, cancellation))!;
            if (slice.Count > 0) batch = await Commit(batch, slice, file.Position, importer, context, cancellation);
            await Append(batchId, batch.Version, new ImportCompleted(batch.Counts, clock.GetUtcNow()), cancellation);
        }
        await files.Delete(batchId, cancellation);
        batch = await Load(batchId, cancellation);
        progress?.Report(batch!);
        logger.LogInformation("Import {BatchId} ended {Status}: {Counts}", batchId, batch!.Status, batch.Counts);
        return batch;
    }

    private static void Remember(object item, IRowImporter importer, ImportContext context)
    {
        if (item is not SourceRow row) return;
        context.Records.TryAdd(row.Fingerprint, row.Row);
        if (importer.KeyOf(row, context) is { } key) context.Keys.TryAdd(key, row.Row);
    }

    private async Task<ImportBatch> Commit(ImportBatch batch, List<object> slice, long bytesRead, IRowImporter importer,
        ImportContext context, CancellationToken cancellation)
    {
        var lastRow = slice.Max(i => i is SourceRow r ? r.Row : ((UnreadableRow)i).Row);
        for (var attempt = 1; ; attempt++)
        {
            // Repeats are told apart here; a retried commit forgets what this slice added and starts from the same memory.
            var imported = new List<ImportedRow>();
            var rejected = new List<RejectedRow>();
            var readable = new List<SourceRow>();
            foreach (var item in slice)
            {
                if (item is UnreadableRow unreadable)
                    rejected.Add(new RejectedRow(unreadable.Row, [new RowError("", unreadable.Reason)]));
                else if (item is SourceRow row && !context.AddRecord(row.Fingerprint, row.Row))
                    imported.Add(new ImportedRow(row.Row, RowOutcome.Duplicate, Note: $"The same record as row {context.Records[row.Fingerprint]}."));
                else readable.Add((SourceRow)item);
            }

            await using var connection = await connections.Open(cancellation);
            await using var session = Session(store, batch, $"import:{batch.Id}", SessionOptions.ForConnection(connection));
            var (rows, refused) = await importer.Decide(session, readable, context, cancellation);
            imported.AddRange(rows);
            rejected.AddRange(refused);
            var stream = await session.Events.FetchForWriting<ImportBatch>(batch.Id, batch.Version, cancellation);
            stream.AppendOne(new ImportRowsProcessed(lastRow, bytesRead, [.. imported.OrderBy(r => r.Row)], [.. rejected.OrderBy(r => r.Row)]));
            try
            {
                await session.SaveChangesAsync(cancellation);
                context.Keep();
                return (await Load(batch.Id, cancellation))!;
            }
            catch (Exception e) when (attempt < 3 && IsRace(e))
            {
                // Someone changed a customer (or registered an e-mail) meanwhile: decide the slice again.
                logger.LogInformation("Import {BatchId}: rows up to {Row} raced with another change; deciding them again", batch.Id, lastRow);
                context.Forget();
                var current = (await Load(batch.Id, cancellation))!;
                if (current.LastRow >= lastRow) return current; // another run committed this slice
                batch = current;
            }
        }
    }

    private static bool IsRace(Exception e) =>
        e is ConcurrencyException
        || e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation }
        || e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    private IDocumentSession Session(ImportBatch batch) => Session(store, batch, $"import:{batch.Id}");

    /// <summary>A session whose events name the importing user, the batch as correlation and the given source.</summary>
    public static IDocumentSession Session(IDocumentStore store, ImportBatch batch, string source, SessionOptions? options = null)
    {
        var session = options is null ? store.LightweightSession() : store.LightweightSession(options);
        session.LastModifiedBy = batch.StartedBy ?? "import";
        session.CorrelationId = batch.Id.ToString();
        session.CausationId = batch.Id.ToString();
        session.SetHeader(CommandMetadata.SourceHeader, source);
        return session;
    }

    private async Task Append(Guid batchId, int version, object e, CancellationToken cancellation)
    {
        var batch = (await Load(batchId, cancellation))!;
        await using var session = Session(batch);
        var stream = await session.Events.FetchForWriting<ImportBatch>(batchId, version, cancellation);
        stream.AppendOne(e);
        await session.SaveChangesAsync(cancellation);
    }

    private async Task<ImportBatch?> Load(Guid batchId, CancellationToken cancellation)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<ImportBatch>(batchId, cancellation);
    }
}
