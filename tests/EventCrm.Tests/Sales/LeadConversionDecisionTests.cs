using EventCrm.Customers;
using EventCrm.Infrastructure;
using EventCrm.Infrastructure.Http;
using EventCrm.Sales;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Time.Testing;
using Wolverine.Marten;

namespace EventCrm.Tests.Sales;

/// <summary>A lead becomes a customer (new or existing) and an opportunity: the decision, without a database.</summary>
public class when_a_lead_conversion_is_decided
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 9, 30, 0, TimeSpan.Zero);
    private static readonly FakeTimeProvider Clock = new(Now);
    private static readonly CustomerRules Rules = new() { DefaultPhoneRegion = "DE" };
    private static readonly NewOpportunity Deal = new(" Analytical   engine ", 2500m, " eur ", new DateOnly(2027, 1, 31));

    private static Lead Lead(string email = "ada@engines.org", string source = "trade show") =>
        Fold<Lead>.Apply(null, new LeadCaptured("Ada Lovelace", email, "+4930123456", "Engines Ltd", source, null, null, null,
            Now.AddDays(-3))) with { Id = Guid.NewGuid() };

    private static LeadCustomer NoCustomerYet(Lead lead) => LeadCustomer.For(lead, new NamedCustomer(null), Rules, Now);

    private static LeadCustomer Existing(Lead lead, CustomerProfile profile) => LeadCustomer.For(lead, new NamedCustomer(profile), Rules, Now);

    private static ProblemDetails Validate(ConvertLead command, Lead lead, LeadCustomer customer, string user = "sally") =>
        ConvertLeadEndpoint.Validate(command, lead, customer, Callers.Sales(user), Clock);

    [Fact]
    public void a_lead_nobody_knows_registers_a_new_customer_by_the_customer_rules_and_opens_the_deal()
    {
        var lead = Lead();
        var customer = NoCustomerYet(lead);
        var command = new ConvertLead(1, Deal);

        Validate(command, lead, customer).ShouldBeSameAs(Problems.None);
        var (response, events, registered, opened) = ConvertLeadEndpoint.Post(command, lead, customer, Callers.Sales("sally"), Clock);

        var registration = registered.ShouldBeAssignableTo<IStartStream>()!;
        registration.AggregateType.ShouldBe(typeof(Customer));
        registration.StreamId.ShouldBe(response.CustomerId);
        registration.Events.ShouldHaveSingleItem().ShouldBe(
            new CustomerRegistered("Ada Lovelace", "ada@engines.org", "+4930123456", Now, null, "lead:trade show", null));

        var opportunity = opened.ShouldBeAssignableTo<IStartStream>()!;
        opportunity.AggregateType.ShouldBe(typeof(Opportunity));
        opportunity.StreamId.ShouldBe(response.OpportunityId);
        opportunity.Events.ShouldHaveSingleItem().ShouldBe(new OpportunityOpened(response.CustomerId, "Analytical engine", 2500m, "EUR",
            new DateOnly(2027, 1, 31), "sally", "trade show", lead.Id, null, Now));

        events.ShouldHaveSingleItem().ShouldBe(new LeadConverted(response.CustomerId, true, response.OpportunityId, Now));
        response.NewCustomer.ShouldBeTrue();
        response.Version.ShouldBe(2);
    }

    [Fact]
    public void a_lead_whose_e_mail_is_a_customers_links_to_that_customer_and_registers_nobody()
    {
        var lead = Lead();
        var known = new CustomerProfile { Id = Guid.NewGuid(), Email = "ada@engines.org", Status = CustomerStatus.Active };
        var customer = Existing(lead, known);

        customer.Registration.ShouldBeNull();
        var (response, events, registered, opened) = ConvertLeadEndpoint.Post(new ConvertLead(1, Deal), lead, customer,
            Callers.Sales("sally"), Clock);

        registered.ShouldNotBeAssignableTo<IStartStream>();
        response.CustomerId.ShouldBe(known.Id);
        response.NewCustomer.ShouldBeFalse();
        events.ShouldHaveSingleItem().ShouldBe(new LeadConverted(known.Id, false, response.OpportunityId, Now));
        opened.ShouldBeAssignableTo<IStartStream>()!.Events.ShouldHaveSingleItem().ShouldBeOfType<OpportunityOpened>()
            .CustomerId.ShouldBe(known.Id);
    }

    [Fact]
    public void a_merged_duplicate_hands_the_lead_to_its_survivor()
    {
        var lead = Lead();
        var survivor = Guid.NewGuid();
        var duplicate = new CustomerProfile { Id = Guid.NewGuid(), Status = CustomerStatus.Merged, MergedInto = survivor };

        var (response, events, _, _) = ConvertLeadEndpoint.Post(new ConvertLead(1, Deal), lead, Existing(lead, duplicate),
            Callers.Sales("sally"), Clock);

        response.CustomerId.ShouldBe(survivor);
        events.ShouldHaveSingleItem().ShouldBeOfType<LeadConverted>().CustomerId.ShouldBe(survivor);
    }

    [Fact]
    public void an_erased_customers_e_mail_is_refused()
    {
        var lead = Lead();
        var erased = new CustomerProfile { Id = Guid.NewGuid(), Status = CustomerStatus.Erased };

        var problem = Validate(new ConvertLead(1, Deal), lead, Existing(lead, erased));

        problem.Status.ShouldBe(422);
        problem.Title.ShouldBe("The lead's e-mail belongs to an erased customer.");
    }

    [Fact]
    public void a_lead_whose_details_break_the_customer_rules_is_refused_naming_the_rule()
    {
        // Captured before the rules were as strict as they are now: no dot in the domain.
        var lead = Lead(email: "ada@localhost");

        var problem = Validate(new ConvertLead(1, Deal), lead, NoCustomerYet(lead));

        problem.Status.ShouldBe(422);
        problem.Type.ShouldBe(Problems.RuleViolationType);
        problem.Title.ShouldBe("The lead cannot become a customer as it stands.");
        problem.Detail!.ShouldContain("'email' is not a valid e-mail address: 'ada@localhost'.");
    }

    [Fact]
    public void a_lead_with_the_longest_source_a_lead_may_have_still_becomes_a_customer()
    {
        // A source of 50 characters is what capture allows, and a web form's is "form:" and a name of up to 100.
        foreach (var source in new[] { new string('s', LeadDetails.MaxSourceLength), $"form:{new string('n', CreateLeadFormEndpoint.MaxNameLength)}" })
        {
            var lead = Lead(source: source);
            var customer = NoCustomerYet(lead);

            Validate(new ConvertLead(1, Deal), lead, customer).ShouldBeSameAs(Problems.None);
            customer.Registration!.AcquisitionSource.ShouldBe($"lead:{source}"[..CustomerRegistration.MaxSourceLength]);
        }
    }

    [Fact]
    public void qualified_leads_convert_and_converted_or_disqualified_ones_do_not()
    {
        var qualified = Fold<Lead>.Apply(Lead(), new LeadQualified(Now));
        Validate(new ConvertLead(2, Deal), qualified, NoCustomerYet(qualified)).ShouldBeSameAs(Problems.None);

        foreach (var happened in new object[] { new LeadDisqualified("no budget", Now), new LeadConverted(Guid.NewGuid(), true, Guid.NewGuid(), Now) })
        {
            var lead = Fold<Lead>.Apply(Lead(), happened);
            var problem = Validate(new ConvertLead(2, Deal), lead, NoCustomerYet(lead));
            problem.Status.ShouldBe(422);
            problem.Detail.ShouldBe("This is possible only for a lead that is new or qualified.");
        }
    }

    [Fact]
    public void a_stale_version_is_a_conflict()
    {
        var lead = Lead();

        var problem = Validate(new ConvertLead(3, Deal), lead, NoCustomerYet(lead));

        problem.Status.ShouldBe(409);
        problem.Extensions["currentVersion"].ShouldBe(1);
    }

    [Fact]
    public void the_opportunity_is_required_and_its_fields_are_named_under_it()
    {
        var lead = Lead();

        Validate(new ConvertLead(1, null), lead, NoCustomerYet(lead)).ShouldBeOfType<HttpValidationProblemDetails>()
            .Errors.Keys.ShouldBe(["opportunity"]);
        Validate(new ConvertLead(1, new NewOpportunity("", -1, "XYZ", new DateOnly(2026, 11, 25))), lead, NoCustomerYet(lead))
            .ShouldBeOfType<HttpValidationProblemDetails>().Errors.Keys.ShouldBe(
                ["opportunity.title", "opportunity.amount", "opportunity.currency", "opportunity.expectedCloseDate"], ignoreOrder: true);
    }

    [Fact]
    public void a_sales_user_opens_the_deal_for_themselves_and_only_an_admin_for_someone_else()
    {
        var lead = Lead();
        var forBob = new ConvertLead(1, Deal with { Owner = "bob" });

        var problem = Validate(forBob, lead, NoCustomerYet(lead), user: "sally");
        problem.Status.ShouldBe(403);
        problem.Type.ShouldBe(Ownership.NotOwnerType);

        ConvertLeadEndpoint.Validate(forBob, lead, NoCustomerYet(lead), Callers.Admin(), Clock).ShouldBeSameAs(Problems.None);
        var (_, _, _, opened) = ConvertLeadEndpoint.Post(forBob, lead, NoCustomerYet(lead), Callers.Admin(), Clock);
        opened.ShouldBeAssignableTo<IStartStream>()!.Events.ShouldHaveSingleItem().ShouldBeOfType<OpportunityOpened>().Owner.ShouldBe("bob");
    }
}
