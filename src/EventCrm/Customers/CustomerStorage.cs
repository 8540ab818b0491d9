using JasperFx.Events.Projections;
using Marten;

namespace EventCrm.Customers;

/// <summary>The customer context's part of the store: its projections and indexes.</summary>
public static class CustomerStorage
{
    public const string EmailIndex = "ux_customer_profile_email";

    public static void Configure(StoreOptions options)
    {
        options.Projections.Add<CustomerProfileProjection>(ProjectionLifecycle.Inline);

        // One customer per e-mail address. The commands check first (422); this index settles a race.
        options.Schema.For<CustomerProfile>().UniqueIndex(EmailIndex, x => x.Email);
    }
}
