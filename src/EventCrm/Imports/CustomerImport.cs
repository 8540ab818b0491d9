using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure;
using EventCrm.Customers;
using Marten;
using JasperFx.Events;

namespace EventCrm.Imports;

/// <summary>
/// A customer row becomes the API's commands: register when no customer matches; when one does (same e-mail,
/// or else same phone), what <see cref="OnDuplicate"/> says. An update changes only what the row states
/// (phone, demographics it gives, tags it adds); the e-mail is the row's identity and the name is kept.
/// </summary>
public sealed class CustomerImport(CustomerRules rules, TimeProvider clock) : IRowImporter
{
    public ImportFields Fields => ImportFields.Customers;

    public string? KeyOf(SourceRow row, ImportContext context) =>
        Cleaning.Text(row["email"])?.ToLowerInvariant() is { } email ? ContactDetails.NormaliseEmail(email) : null;

    public async Task<(List<ImportedRow> Rows, List<RejectedRow> Rejected)> Decide(IDocumentSession session,
        IReadOnlyList<SourceRow> rows, ImportContext context, CancellationToken cancellation)
    {
        var imported = new List<ImportedRow>();
        var rejected = new List<RejectedRow>();
        var cleaned = new List<(SourceRow Row, CustomerRegistration Registration, IReadOnlyList<RowError> Unnamed)>();
        foreach (var row in rows)
        {
            var (registration, errors) = CustomerRow.Clean(row, context.Culture, rules, clock);
            if (errors.Any(e => e.Field != "name")) rejected.Add(new RejectedRow(row.Row, errors));
            else cleaned.Add((row, registration, errors));
        }

        var emails = cleaned.Select(c => c.Registration.Email).Distinct().ToArray();
        var phones = cleaned.Select(c => c.Registration.Phone).OfType<string>().Distinct().ToArray();
        // Only what matching needs, not whole profiles: a slice of a file seen before matches every row.
        var known = await session.Query<CustomerProfile>()
            .Where(p => p.Email.IsOneOf(emails) || p.Phone.IsOneOf(phones))
            .Select(p => new Known(p.Id, p.Email, p.Phone, p.Status, p.MergedInto))
            .ToListAsync(cancellation);
        var byEmails = new Dictionary<string, Known>();
        var byPhones = new Dictionary<string, Known>();
        foreach (var profile in known)
        {
            if (profile.Email is { } e) byEmails.TryAdd(e, profile);
            if (profile.Phone is { } p && profile.Status is not (CustomerStatus.Merged or CustomerStatus.Erased)) byPhones.TryAdd(p, profile);
        }

        var updates = new List<(SourceRow Row, CustomerRegistration Registration, Guid CustomerId)>();
        foreach (var (row, registration, unnamed) in cleaned)
        {
            var email = registration.Email;
            if (!context.AddKey(email, row.Row))
            {
                imported.Add(new ImportedRow(row.Row, RowOutcome.Duplicate, Note: $"The same e-mail as row {context.Keys[email]}; the first row counts."));
                continue;
            }

            var phone = registration.Phone;
            var byEmail = byEmails.GetValueOrDefault(email);
            var byPhone = phone is null ? null : byPhones.GetValueOrDefault(phone);
            var match = byEmail ?? byPhone;
            var matchedId = match?.MergedInto ?? match?.Id;
            var how = byEmail is not null ? "e-mail" : "phone";

            if (match is null || (byEmail is null && context.Batch.Options.OnDuplicate == OnDuplicate.Flag))
            {
                if (unnamed.Count > 0)
                {
                    rejected.Add(new RejectedRow(row.Row, unnamed));
                    continue;
                }
                var (created, start) = RegisterCustomerEndpoint.Register(Guid.CreateVersion7(), registration, clock.GetUtcNow());
                session.Events.StartStream<Customer>(start.StreamId, [.. start.Events]);
                if (matchedId is { } samePhone) Candidate(session, created.Id, samePhone, clock.GetUtcNow());
                imported.Add(new ImportedRow(row.Row, RowOutcome.Created, created.Id,
                    Note: matchedId is null ? null : $"The same phone as customer {matchedId}: recorded as a possible duplicate to review."));
                continue;
            }

            switch (context.Batch.Options.OnDuplicate)
            {
                case OnDuplicate.Skip:
                    imported.Add(new ImportedRow(row.Row, RowOutcome.Skipped, matchedId, Note: $"Matches customer {matchedId} by {how}."));
                    break;
                case OnDuplicate.Flag:
                    imported.Add(new ImportedRow(row.Row, RowOutcome.Flagged, matchedId,
                        Note: $"Matches customer {matchedId} by e-mail; left unchanged for review."));
                    break;
                case OnDuplicate.Update:
                    updates.Add((row, registration, matchedId!.Value));
                    break;
            }
        }
        if (updates.Count == 0) return (imported, rejected);

        // Every customer the slice updates read for writing in one round trip; each stream's version is checked
        // when the slice commits, as the API's commands check theirs.
        var reads = session.CreateBatchQuery();
        var fetches = updates.Select(u => u.CustomerId).Distinct().ToDictionary(id => id, id => reads.Events.FetchForWriting<Customer>(id));
        await reads.Execute(cancellation);
        var customers = new Dictionary<Guid, (IEventStream<Customer> Stream, Customer Customer)>();
        foreach (var (id, fetch) in fetches)
        {
            var stream = await fetch;
            customers[id] = (stream, stream.Aggregate!);
        }
        foreach (var (row, registration, customerId) in updates)
        {
            // Two rows may update one customer (matched by phone): the second sees what the first changed.
            var (stream, customer) = customers[customerId];
            var (updated, problems, after) = Update(stream, customer, customerId, row, registration);
            customers[customerId] = (stream, after);
            if (problems.Count > 0) rejected.Add(new RejectedRow(row.Row, problems));
            else imported.Add(updated!);
        }
        return (imported, rejected);
    }

    /// <summary>What matching reads of an existing customer.</summary>
    private sealed record Known(Guid Id, string? Email, string? Phone, CustomerStatus Status, Guid? MergedInto);

    /// <summary>The changes a row asks of an existing customer, through the same commands as the API.</summary>
    private (ImportedRow? Row, List<RowError> Errors, Customer Customer) Update(IEventStream<Customer> stream, Customer customer,
        Guid customerId, SourceRow row, CustomerRegistration wanted)
    {
        if (customer.Status is CustomerStatus.Erased or CustomerStatus.Merged)
            return (new ImportedRow(row.Row, RowOutcome.Skipped, customerId, Note: $"Customer {customerId} is {customer.Status.ToString().ToLowerInvariant()}; not changed."), [], customer);
        var fetched = customer;

        var before = (Phone: customer.Phone, Demographics: customer.Demographics);
        var changed = new List<string>();
        var errors = new List<RowError>();
        var events = new List<object>();
        void Take(IEnumerable<object> produced)
        {
            foreach (var e in produced)
            {
                customer = Fold<Customer>.Apply(customer, e);
                events.Add(e);
            }
        }

        if (wanted.Phone is not null && wanted.Phone != customer.Phone)
        {
            var change = ContactChange.Of(new ChangeContactDetails(customer.Version, customer.Email!, wanted.Phone), BodyFields.Everything, rules);
            errors.AddRange(CustomerRow.Problems(ChangeContactDetailsEndpoint.Validate(change, customer)));
            if (errors.Count == 0)
            {
                Take(ChangeContactDetailsEndpoint.Decide(change, customer, clock.GetUtcNow()).Item2);
                changed.Add("phone");
            }
        }

        // Only what the row states changes; what it leaves empty stays as it was.
        var old = customer.Demographics ?? new Demographics(null, null, null, null, null, null);
        var stated = wanted.Demographics ?? new Demographics(null, null, null, null, null, null);
        var statesAge = stated.BirthDate is not null || stated.Age is not null;
        var demographics = new ChangeDemographics(customer.Version,
            statesAge ? stated.BirthDate : old.BirthDate, statesAge ? stated.Age : old.Age,
            stated.AnnualIncome ?? old.AnnualIncome, stated.Country ?? old.Country, stated.Region ?? old.Region, stated.Industry ?? old.Industry,
            old.TimeZone);
        if (errors.Count == 0 && Demographic.From(demographics) != customer.Demographics)
        {
            var change = DemographicsChange.Of(demographics, BodyFields.Everything, clock.GetUtcNow());
            errors.AddRange(CustomerRow.Problems(ChangeDemographicsEndpoint.Validate(change, customer)));
            if (errors.Count == 0)
            {
                Take(ChangeDemographicsEndpoint.Decide(change, customer, clock.GetUtcNow()).Item2);
                var now = Demographic.From(demographics) ?? old;
                if (now.BirthDate != old.BirthDate || now.Age != old.Age) changed.Add(now.BirthDate is null ? "age" : "birthDate");
                if (now.AnnualIncome != old.AnnualIncome) changed.Add("annualIncome");
                if (now.Country != old.Country) changed.Add("country");
                if (now.Region != old.Region) changed.Add("region");
                if (now.Industry != old.Industry) changed.Add("industry");
            }
        }

        IReadOnlyList<string>? tagsAdded = null;
        if (errors.Count == 0 && wanted.Tags is { Count: > 0 })
        {
            var tags = new ChangeTags(customer.Version, wanted.Tags);
            errors.AddRange(CustomerRow.Problems(ChangeTagsEndpoint.Validate(tags, customer)));
            if (errors.Count == 0)
            {
                var produced = ChangeTagsEndpoint.Post(tags, customer, clock).Item2;
                tagsAdded = produced.OfType<TagsAdded>().SelectMany(t => t.Tags).ToList();
                Take(produced);
                if (tagsAdded.Count > 0) changed.Add("tags");
            }
        }

        if (errors.Count > 0) return (null, errors, fetched);
        if (events.Count == 0)
            return (new ImportedRow(row.Row, RowOutcome.Skipped, customerId, Note: $"Matches customer {customerId}; nothing to change."), [], fetched);

        stream.AppendMany(events);
        return (new ImportedRow(row.Row, RowOutcome.Updated, customerId, Changed: changed,
            PhoneBefore: before.Phone, PhoneAfter: customer.Phone,
            DemographicsBefore: before.Demographics, DemographicsAfter: customer.Demographics,
            TagsAdded: tagsAdded is { Count: > 0 } ? tagsAdded : null), [], customer);
    }

    /// <summary>Records a pair for the duplicate review, as the scan would; it finds the same pair again.</summary>
    private static void Candidate(IDocumentSession session, Guid created, Guid existing, DateTimeOffset at)
    {
        var (first, second) = created.CompareTo(existing) < 0 ? (created, existing) : (existing, created);
        session.QueueSqlCommand(
            $"insert into {DuplicateScan.Candidates} (first, second, reason, similarity, found_at) values (?, ?, 'same phone', 1, ?) on conflict do nothing",
            first, second, at);
    }
}
