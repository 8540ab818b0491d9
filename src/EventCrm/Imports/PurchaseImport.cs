using EventCrm.Infrastructure;
using System.Security.Cryptography;
using System.Text;
using EventCrm.Customers;
using JasperFx.Events;
using Marten;

namespace EventCrm.Imports;

/// <summary>
/// A purchase row becomes the API's <see cref="RecordPurchase"/> on the customer named by id or e-mail. The
/// purchase's id is derived from what the row says (customer, amount, currency, product, time), so importing
/// the same file again recognises every purchase it already recorded.
/// </summary>
public sealed class PurchaseImport(TimeProvider clock) : IRowImporter
{
    /// <summary>The category of a purchase whose file has none: the domain requires one.</summary>
    public const string NoCategory = "Uncategorised";

    public ImportFields Fields => ImportFields.Purchases;

    public string? KeyOf(SourceRow row, ImportContext context) => null; // repeats are caught by the purchase id

    public async Task<(List<ImportedRow> Rows, List<RejectedRow> Rejected)> Decide(IDocumentSession session,
        IReadOnlyList<SourceRow> rows, ImportContext context, CancellationToken cancellation)
    {
        var imported = new List<ImportedRow>();
        var rejected = new List<RejectedRow>();
        var cleaned = new List<(SourceRow Row, Guid? CustomerId, string? Email, RecordPurchase Command)>();
        foreach (var row in rows)
        {
            var errors = new List<RowError>();
            var clean = new Cleaning(context.Culture, errors);
            Guid? customerId = null;
            if (Cleaning.Text(row["customerId"]) is { } idText)
            {
                if (Guid.TryParse(idText, out var id)) customerId = id;
                else errors.Add(new RowError("customerId", $"'{idText}' is not a customer id."));
            }
            var email = Cleaning.Text(row["email"]) is { } emailText ? ContactDetails.NormaliseEmail(emailText) : null;
            if (customerId is null && email is null && errors.Count == 0)
                errors.Add(new RowError("email", Cleaning.Text(row["email"]) is { } given
                    ? $"'{given}' is not an e-mail address."
                    : "The customer's e-mail (or id) is required."));
            var amount = clean.Decimal("amount", row["amount"]);
            var at = clean.Instant("purchasedAt", row["purchasedAt"]);
            if (Cleaning.Text(row["amount"]) is null) errors.Add(new RowError("amount", "'amount' is required."));
            if (Cleaning.Text(row["purchasedAt"]) is null) errors.Add(new RowError("purchasedAt", "The time of the purchase is required."));
            var command = new RecordPurchase(1, amount ?? 0, Cleaning.Text(row["currency"])?.ToUpperInvariant() ?? "",
                Cleaning.Text(row["product"]) ?? "", Cleaning.Text(row["category"]) ?? NoCategory, at);
            if (errors.Count > 0) rejected.Add(new RejectedRow(row.Row, errors));
            else cleaned.Add((row, customerId, email, command));
        }

        var emails = cleaned.Where(c => c.CustomerId is null).Select(c => c.Email!).Distinct().ToArray();
        var owners = (await session.Query<CustomerProfile>().Where(p => p.Email.IsOneOf(emails)).ToListAsync(cancellation))
            .ToDictionary(p => p.Email!, p => p.MergedInto ?? p.Id);
        var streams = new Dictionary<Guid, WorkingStream<Customer>>();

        foreach (var (row, id, email, command) in cleaned)
        {
            var customerId = id ?? owners.GetValueOrDefault(email!);
            if (customerId == Guid.Empty)
            {
                rejected.Add(new RejectedRow(row.Row, [new RowError("email", $"No customer has the e-mail '{email}'.")]));
                continue;
            }
            if (!streams.TryGetValue(customerId, out var stream))
            {
                stream = new WorkingStream<Customer>(await session.Events.FetchForWriting<Customer>(customerId, cancellation));
                if (stream.Aggregate is null)
                {
                    rejected.Add(new RejectedRow(row.Row, [new RowError("customerId", $"No customer {customerId}.")]));
                    continue;
                }
                streams[customerId] = stream;
            }
            var customer = stream.Aggregate!;
            if (customer.Status == CustomerStatus.Merged && customer.MergedInto is { } survivor)
            {
                rejected.Add(new RejectedRow(row.Row, [new RowError("customerId", $"Customer {customerId} was merged into {survivor}; import the purchase for that customer.")]));
                continue;
            }

            var purchase = command with { Version = customer.Version };
            var problems = CustomerRow.Problems(RecordPurchaseEndpoint.Validate(purchase, customer, clock)).ToList();
            if (problems.Count > 0)
            {
                rejected.Add(new RejectedRow(row.Row, problems));
                continue;
            }
            var recorded = (PurchaseRecorded)RecordPurchaseEndpoint.Post(purchase, customer, clock).Item2.Single();
            recorded = recorded with { PurchaseId = IdOf(customerId, recorded) };
            if (customer.Purchases.Any(p => p.PurchaseId == recorded.PurchaseId))
            {
                imported.Add(new ImportedRow(row.Row, RowOutcome.Skipped, customerId, recorded.PurchaseId, Note: "This purchase is already recorded."));
                continue;
            }
            stream.Append([recorded]);
            imported.Add(new ImportedRow(row.Row, RowOutcome.Created, customerId, recorded.PurchaseId));
        }
        return (imported, rejected);
    }

    /// <summary>A name-based id (RFC 4122 version 5 layout) from the purchase's content.</summary>
    public static Guid IdOf(Guid customerId, PurchaseRecorded purchase)
    {
        var content = $"{customerId:N}|{purchase.Amount.ToString(System.Globalization.CultureInfo.InvariantCulture)}|{purchase.Currency}|{purchase.Product}|{purchase.PurchasedAt.UtcTicks}";
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(content)).AsSpan(0, 16).ToArray();
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash, bigEndian: true);
    }
}
