using JasperFx.Events.Projections;
using Marten;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace EventCrm.Customers;

/// <summary>The customer context's part of the store: its projections, and the columns and indexes its queries use.</summary>
public static class CustomerStorage
{
    public const string EmailIndex = "ix_customer_profile_email";
    public const string NameSearchIndex = "ix_customer_profile_search_name";
    public const string TagsIndex = "ix_customer_profile_tags";
    public const string NameOrderIndex = "ix_customer_profile_name";
    public const string RegisteredOrderIndex = "ix_customer_profile_registered_at";
    public const string TotalSpentOrderIndex = "ix_customer_profile_total_spent";
    public const string LastPurchaseOrderIndex = "ix_customer_profile_last_purchase_at";

    public static void Configure(StoreOptions options, CustomerRules rules)
    {
        options.Projections.Add(new CustomerProfileProjection(rules.HouseCurrency), ProjectionLifecycle.Inline);

        // Trigram search on names; trusted extension, so the database owner may create it.
        options.Storage.ExtendedSchemaObjects.Add(new Extension("pg_trgm"));
        options.Storage.ExtendedSchemaObjects.Add(DuplicateScan.Table());
        options.Storage.ExtendedSchemaObjects.Add(DuplicateScan.ScansTable());

        // One e-mail, one customer: claims written with the events, outside any read model.
        options.Storage.ExtendedSchemaObjects.Add(EmailOwnership.Definition());
        options.Storage.ExtendedSchemaObjects.Add(EmailOwnership.ClaimFunction());
        options.Listeners.Add(new EmailClaims());

        options.Schema.For<CustomerProfile>()
            // Look-ups and prefix searches by e-mail (text_pattern_ops serves them in any database collation). Not
            // unique: one customer per address is the claims' rule (EmailOwnership), checked in the commit, where a
            // refusal names the customer; a read model holds no rule that a rebuild could trip over.
            .Duplicate(x => x.Email, configure: index =>
            {
                index.Name = EmailIndex;
                index.Mask = "? text_pattern_ops";
            })
            .Duplicate(x => x.Name, configure: index =>
            {
                index.Name = NameSearchIndex;
                index.Method = IndexMethod.gin;
                index.Mask = "lower(?) gin_trgm_ops";
            })
            // The list's orders (ListCustomers): each sort key with the id that breaks its ties, so that a page, by
            // number or by cursor, is read in index order (forwards, or backwards for '-') and stops after its rows.
            // The trigram index above cannot sort. They serve the filters on the same columns too.
            .Index([x => x.Name!, x => x.Id], index => index.Name = NameOrderIndex)
            .Duplicate(x => x.Status)
            .Duplicate(x => x.Country)
            .Duplicate(x => x.Owner)
            .Duplicate(x => x.TotalSpent, configure: index => OrderedWithId(index, TotalSpentOrderIndex))
            .Duplicate(x => x.RegisteredAt, configure: index => OrderedWithId(index, RegisteredOrderIndex))
            .Duplicate(x => x.LastPurchaseAt, configure: index => OrderedWithId(index, LastPurchaseOrderIndex))
            .Duplicate(x => x.Phone)
            // Queried with 'tags @> array[...]' (see ListCustomers), which a GIN index answers.
            .Duplicate(x => x.Tags, pgType: "text[]", configure: index =>
            {
                index.Name = TagsIndex;
                index.Method = IndexMethod.gin;
            });
    }

    /// <summary>
    /// The duplicated column's own index, made (column, id): the mask is the index's column list, '?' the column.
    /// One index rather than a second beside it, so that every write keeps one index per sort key.
    /// </summary>
    private static void OrderedWithId(Marten.Schema.DocumentIndex index, string name)
    {
        index.Name = name;
        index.Mask = "?, id";
    }
}
