namespace EventCrm.Customers;

/// <summary>
/// The customer as its commands need it: just enough state to decide. Rebuilt from the stream for every
/// command; handlers read it and return events, never change it.
/// </summary>
public sealed class Customer
{
    public Guid Id { get; set; }
    public int Version { get; set; }
    public string Name { get; set; } = "";
    public string Email { get; set; } = "";
    public string? Phone { get; set; }

    public static Customer Create(CustomerRegistered registered) => new()
    {
        Name = registered.Name,
        Email = registered.Email,
        Phone = registered.Phone,
    };

    public void Apply(ContactDetailsChanged changed)
    {
        Email = changed.Email;
        Phone = changed.Phone;
    }
}
