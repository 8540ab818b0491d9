using JasperFx.Events;
using Marten.Events.Aggregation;
using JasperFx;

namespace EventCrm.Customers;

/// <summary>What a client reads about one customer. Projected inline, so it is current right after a command.</summary>
public sealed class CustomerProfile : IRevisioned
{
    public Guid Id { get; set; }

    /// <summary>The stream version this view reflects: send it back as the expected version of a command.</summary>
    public int Version { get; set; }

    public string Name { get; set; } = "";
    public string Email { get; set; } = "";
    public string? Phone { get; set; }
    public DateTimeOffset RegisteredAt { get; set; }
    public DateTimeOffset LastChangedAt { get; set; }
}

/// <summary>Builds <see cref="CustomerProfile"/> from a customer's stream; times come from the events only.</summary>
public partial class CustomerProfileProjection : SingleStreamProjection<CustomerProfile, Guid>
{
    public CustomerProfile Create(IEvent<CustomerRegistered> registered) => new()
    {
        Id = registered.StreamId,
        Name = registered.Data.Name,
        Email = registered.Data.Email,
        Phone = registered.Data.Phone,
        RegisteredAt = registered.Data.RegisteredAt,
        LastChangedAt = registered.Data.RegisteredAt,
    };

    public void Apply(ContactDetailsChanged changed, CustomerProfile profile)
    {
        profile.Email = changed.Email;
        profile.Phone = changed.Phone;
        profile.LastChangedAt = changed.ChangedAt;
    }
}
