using System.Security.Cryptography;
using System.Text;
using EventCrm.Customers;

namespace EventCrm.Marketing;

/// <summary>One address on the suppression list, folded from its stream (named by the address's hash).</summary>
public sealed record Suppression
{
    public Guid Id { get; init; }
    public int Version { get; init; }
    public string AddressHash { get; init; } = "";
    public bool Active { get; init; }
    public SuppressionReason? Reason { get; init; }

    public static Suppression Create(AddressSuppressed suppressed) =>
        new() { AddressHash = suppressed.AddressHash, Active = true, Reason = suppressed.Reason };

    public Suppression Apply(AddressSuppressed suppressed) => this with { Active = true, Reason = suppressed.Reason };

    public Suppression Apply(AddressSuppressionLifted _) => this with { Active = false, Reason = null };

    /// <summary>The hash an address is kept under: SHA-256 of the trimmed, lower-case address, in hex.</summary>
    public static string HashOf(string email) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(ContactDetails.NormaliseEmail(email) ?? email.Trim().ToLowerInvariant())))
            .ToLowerInvariant();

    public static Guid StreamOf(string email) => NameBasedId.Of(Space, Encoding.ASCII.GetBytes(HashOf(email)));

    private static readonly Guid Space = new("3f1d8c2a-5b7e-4e0f-8a6d-2c9b4e7f1a30");

    /// <summary>The address's suppression: nothing if it is already suppressed (the first reason stands).</summary>
    public static IReadOnlyList<object> Suppress(Suppression? current, string email, SuppressionReason reason, Guid? campaign,
        string source, DateTimeOffset at) =>
        current is { Active: true } ? [] : [new AddressSuppressed(HashOf(email), reason, campaign, source, at)];
}

/// <summary>The suppression list as the sender reads it: one document per address hash (inline).</summary>
public sealed class SuppressionEntry
{
    public Guid Id { get; set; }
    public string AddressHash { get; set; } = "";
    public bool Active { get; set; }
    public SuppressionReason? Reason { get; set; }
    public string? Source { get; set; }
    public DateTimeOffset SuppressedAt { get; set; }
    public DateTimeOffset? LiftedAt { get; set; }
}

public partial class SuppressionEntryProjection : Marten.Events.Aggregation.SingleStreamProjection<SuppressionEntry, Guid>
{
    public SuppressionEntry Create(JasperFx.Events.IEvent<AddressSuppressed> suppressed) => new()
    {
        Id = suppressed.StreamId,
        AddressHash = suppressed.Data.AddressHash,
        Active = true,
        Reason = suppressed.Data.Reason,
        Source = suppressed.Data.Source,
        SuppressedAt = suppressed.Data.At,
    };

    public void Apply(AddressSuppressed suppressed, SuppressionEntry entry)
    {
        (entry.Active, entry.Reason, entry.Source, entry.SuppressedAt, entry.LiftedAt) =
            (true, suppressed.Reason, suppressed.Source, suppressed.At, null);
    }

    public void Apply(AddressSuppressionLifted lifted, SuppressionEntry entry)
    {
        (entry.Active, entry.LiftedAt) = (false, lifted.At);
    }
}
