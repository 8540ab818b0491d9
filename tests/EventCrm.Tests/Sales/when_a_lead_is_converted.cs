using EventCrm.Customers;
using EventCrm.Infrastructure.Security;
using EventCrm.Sales;
using EventCrm.Tests.Customers;
using Marten;

namespace EventCrm.Tests.Sales;

[Collection(AppCollection.Name)]
public class when_a_lead_is_converted(AppFixture app)
{
    private static object Opportunity(string? owner = null, decimal amount = 2500m) => new
    {
        title = "Pilot project", amount, currency = "EUR", expectedCloseDate = SalesApi.CloseDate(45), owner,
    };

    [Fact]
    public async Task a_new_person_becomes_a_customer_with_an_opportunity_in_one_transaction()
    {
        var email = AppFixture.NewEmail("convert");
        var leadId = await app.CaptureLead(email, "Nora New");
        await app.Succeed("leads", leadId, "qualify", new { version = 1 });

        var result = await app.Post("leads", leadId, "convert", new { version = 2, opportunity = Opportunity() });

        result.Context.Response.StatusCode.ShouldBe(200);
        var body = await result.Body();
        body.GetProperty("newCustomer").GetBoolean().ShouldBeTrue();
        var customerId = body.GetProperty("customerId").GetGuid();
        var opportunityId = body.GetProperty("opportunityId").GetGuid();

        await using var session = app.Store.QuerySession();
        var lead = (await session.Events.FetchStreamAsync(leadId)).Last();
        var customer = (await session.Events.FetchStreamAsync(customerId)).Single();
        var opportunity = (await session.Events.FetchStreamAsync(opportunityId)).Single();
        lead.Data.ShouldBe(new LeadConverted(customerId, true, opportunityId, ((LeadConverted)lead.Data).At));
        var registered = customer.Data.ShouldBeOfType<CustomerRegistered>();
        registered.Email.ShouldBe(email);
        registered.Name.ShouldBe("Nora New");
        registered.AcquisitionSource.ShouldBe("lead:trade fair");
        var opened = opportunity.Data.ShouldBeOfType<OpportunityOpened>();
        opened.CustomerId.ShouldBe(customerId);
        opened.SourceLeadId.ShouldBe(leadId);
        opened.Owner.ShouldBe("sam");
        // One request, one transaction: one correlation id across the three streams.
        new[] { lead.CorrelationId, customer.CorrelationId, opportunity.CorrelationId }.Distinct().ShouldHaveSingleItem();
        (await app.Get($"/api/leads/{leadId}")).GetProperty("customerId").GetGuid().ShouldBe(customerId);
    }

    [Fact]
    public async Task a_lead_with_a_customers_email_is_linked_to_that_customer()
    {
        var email = AppFixture.NewEmail("known");
        var customerId = await app.Register(email);
        var leadId = await app.CaptureLead(email.ToUpperInvariant());

        var body = await (await app.Post("leads", leadId, "convert", new { version = 1, opportunity = Opportunity() })).Body();

        body.GetProperty("newCustomer").GetBoolean().ShouldBeFalse();
        body.GetProperty("customerId").GetGuid().ShouldBe(customerId);
        (await app.History(customerId)).GetArrayLength().ShouldBe(1);
        (await app.Get($"/api/opportunities/{body.GetProperty("opportunityId").GetGuid()}")).GetProperty("customerId").GetGuid()
            .ShouldBe(customerId);
    }

    [Fact]
    public async Task a_conversion_that_is_refused_leaves_no_trace_on_any_stream()
    {
        var email = AppFixture.NewEmail("refused");
        var leadId = await app.CaptureLead(email);

        await (await app.Post("leads", leadId, "convert", new { version = 1, opportunity = Opportunity(amount: -5) })).ShouldBeProblem(400);
        await (await app.Post("leads", leadId, "convert", new { version = 7, opportunity = Opportunity() })).ShouldBeProblem(409);
        await (await app.Post("leads", leadId, "convert", new { version = 1 })).ShouldBeProblem(400);
        await (await app.Post("leads", leadId, "convert", new { version = 1, opportunity = Opportunity(owner: "someone-else") }))
            .ShouldBeProblem(403);

        await using var session = app.Store.QuerySession();
        (await session.Events.FetchStreamAsync(leadId)).Count.ShouldBe(1);
        (await session.Query<CustomerProfile>().AnyAsync(p => p.Email == email)).ShouldBeFalse();
        (await session.Query<OpportunityView>().AnyAsync(o => o.SourceLeadId == leadId)).ShouldBeFalse();
    }

    [Fact]
    public async Task a_converted_lead_cannot_be_converted_again()
    {
        var leadId = await app.CaptureLead();
        await app.Succeed("leads", leadId, "convert", new { version = 1, opportunity = Opportunity() });

        await (await app.Post("leads", leadId, "convert", new { version = 2, opportunity = Opportunity() })).ShouldBeProblem(422);
    }

    [Fact]
    public async Task the_customers_timeline_shows_the_lead_and_the_opportunity()
    {
        var leadId = await app.CaptureLead();
        var body = await (await app.Post("leads", leadId, "convert", new { version = 1, opportunity = Opportunity() })).Body();
        var customerId = body.GetProperty("customerId").GetGuid();

        var timeline = (await app.Get($"/api/customers/{customerId}/timeline")).GetProperty("items").EnumerateArray()
            .Select(e => e.GetProperty("type").GetString()).ToList();

        timeline.ShouldBe(["lead_captured", "customer_registered", "opportunity_opened", "lead_converted"], ignoreOrder: true);
    }
}
