using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Time.Testing;
using Wolverine.Marten;

namespace EventCrm.Tests.Customers;

/// <summary>The handlers are pure: a command, the current state and the clock in; events out.</summary>
public class when_a_registration_is_decided
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 9, 30, 0, TimeSpan.Zero);
    private readonly CustomerRules _rules = new() { DefaultPhoneRegion = "DE" };

    [Fact]
    public void it_starts_a_customer_stream_with_normalised_details_at_the_clocks_time()
    {
        var (response, start) = Register(new RegisterCustomer(" Grace  Hopper ", "Grace@Navy.MIL", "030 123456"));

        var stream = start.ShouldBeAssignableTo<IStartStream>()!;
        stream.StreamId.ShouldBe(response.Id);
        stream.AggregateType.ShouldBe(typeof(Customer));
        stream.Events.ShouldHaveSingleItem().ShouldBe(
            new CustomerRegistered("Grace Hopper", "grace@navy.mil", "+4930123456", Now));
        response.Version.ShouldBe(1);
        response.Url.ShouldBe($"/api/customers/{response.Id}");
    }

    [Fact]
    public void validation_names_every_bad_field()
    {
        var problem = RegisterCustomerEndpoint.Validate(Cleaned(new RegisterCustomer(" ", "x", "abc")));

        var errors = problem.ShouldBeOfType<HttpValidationProblemDetails>().Errors;
        errors.Keys.ShouldBe(["name", "email", "phone"], ignoreOrder: true);
        problem.Status.ShouldBe(400);
    }

    [Fact]
    public void a_valid_command_passes_validation() =>
        RegisterCustomerEndpoint.Validate(Cleaned(new RegisterCustomer("Grace", "grace@navy.mil", null)))
            .ShouldBeSameAs(Problems.None);

    private CustomerRegistration Cleaned(RegisterCustomer command) =>
        RegisterCustomerEndpoint.Load(command, _rules, new FakeTimeProvider(Now));

    private (CustomerRegisteredResponse, IStartStream) Register(RegisterCustomer command) =>
        RegisterCustomerEndpoint.Post(command, Cleaned(command), new FakeTimeProvider(Now));
}

public class when_a_contact_change_is_decided
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 9, 30, 0, TimeSpan.Zero);
    private readonly CustomerRules _rules = new();

    private static Customer Registered() => new()
    {
        Id = Guid.NewGuid(), Version = 3, Name = "Grace", Email = "grace@navy.mil", Phone = "+14155552671",
    };

    private (VersionResponse, Wolverine.Marten.Events) Change(ChangeContactDetails command, Customer customer) =>
        ChangeContactDetailsEndpoint.Post(command, ContactChange.Of(command, BodyFields.Everything, _rules), customer, new FakeTimeProvider(Now));

    [Fact]
    public void new_details_are_one_event_and_the_next_version()
    {
        var (response, events) = Change(new ChangeContactDetails(3, "g@hopper.dev", null), Registered());

        events.ShouldHaveSingleItem().ShouldBe(new ContactDetailsChanged("g@hopper.dev", null, Now));
        response.Version.ShouldBe(4);
    }

    [Fact]
    public void the_same_details_written_differently_are_no_change()
    {
        var (response, events) = Change(new ChangeContactDetails(3, " GRACE@navy.mil", "(415) 555-2671"), Registered());

        events.ShouldBeEmpty();
        response.Version.ShouldBe(3);
    }

    [Fact]
    public void the_handler_leaves_the_aggregate_it_was_given_untouched()
    {
        var customer = Registered();
        Change(new ChangeContactDetails(3, "new@hopper.dev", null), customer);
        customer.Email.ShouldBe("grace@navy.mil");
        customer.Version.ShouldBe(3);
    }

    [Fact]
    public void a_stale_version_is_a_conflict_naming_the_current_one()
    {
        var problem = ChangeContactDetailsEndpoint.Validate(
            ContactChange.Of(new ChangeContactDetails(2, "g@hopper.dev", null), BodyFields.Everything, _rules), Registered());

        problem.Status.ShouldBe(409);
        problem.Type.ShouldBe(Problems.StaleVersionType);
        problem.Extensions["currentVersion"].ShouldBe(3);
    }

    [Fact]
    public void bad_fields_are_reported_before_the_version()
    {
        var problem = ChangeContactDetailsEndpoint.Validate(
            ContactChange.Of(new ChangeContactDetails(0, "nope", null), BodyFields.Everything, _rules), Registered());

        problem.Status.ShouldBe(400);
        problem.ShouldBeOfType<HttpValidationProblemDetails>().Errors.Keys.ShouldBe(["version", "email"], ignoreOrder: true);
    }
}

public class when_a_customer_profile_is_projected
{
    [Fact]
    public void it_follows_the_events_and_takes_its_times_from_them()
    {
        var projection = new CustomerProfileProjection("EUR");
        var id = Guid.NewGuid();
        var registeredAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var registered = new JasperFx.Events.Event<CustomerRegistered>(
            new CustomerRegistered("Grace", "grace@navy.mil", null, registeredAt)) { StreamId = id };

        var profile = projection.Create(registered);
        projection.Apply(new ContactDetailsChanged("g@hopper.dev", "+14155552671", registeredAt.AddDays(1)), profile);

        profile.Id.ShouldBe(id);
        profile.Email.ShouldBe("g@hopper.dev");
        profile.Phone.ShouldBe("+14155552671");
        profile.RegisteredAt.ShouldBe(registeredAt);
        profile.LastChangedAt.ShouldBe(registeredAt.AddDays(1));
    }
}
