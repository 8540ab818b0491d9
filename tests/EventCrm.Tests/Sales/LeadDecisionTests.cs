using EventCrm.Customers;
using EventCrm.Infrastructure;
using EventCrm.Infrastructure.Http;
using EventCrm.Sales;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using Wolverine.Marten;

namespace EventCrm.Tests.Sales;

/// <summary>Capturing, qualifying and disqualifying leads, decided without HTTP or a database.</summary>
public class when_lead_commands_are_decided
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 9, 30, 0, TimeSpan.Zero);
    private static readonly FakeTimeProvider Clock = new(Now);
    private static readonly CustomerRules Rules = new() { DefaultPhoneRegion = "DE" };

    /// <summary>A lead as its stream folds it: captured, then whatever happened to it.</summary>
    internal static Lead Lead(params object[] after) =>
        Fold<Lead>.Apply(null, [new LeadCaptured("Ada Lovelace", "ada@engines.org", "+4930123456", "Engines Ltd", "trade show",
            null, null, null, Now.AddDays(-3)), .. after]) with { Id = Guid.NewGuid() };

    [Fact]
    public void a_captured_lead_starts_its_stream_with_details_cleaned_as_a_customers_are()
    {
        var (response, start) = CaptureLeadEndpoint.Post(
            new CaptureLead(" Ada   Lovelace ", " Ada@Engines.ORG ", "030 123456", "  Engines   Ltd ", " Trade  Show ", "  Call me \n"),
            Rules, Clock);

        start.StreamId.ShouldBe(response.Id);
        start.AggregateType.ShouldBe(typeof(Lead));
        start.Events.ShouldHaveSingleItem().ShouldBe(new LeadCaptured(
            "Ada Lovelace", "ada@engines.org", "+4930123456", "Engines Ltd", "trade show", null, null, "Call me", Now));
        response.Version.ShouldBe(1);
    }

    [Fact]
    public void without_a_source_it_came_from_the_api_and_blank_extras_are_not_kept()
    {
        var (_, start) = CaptureLeadEndpoint.Post(new CaptureLead("Ada", "ada@engines.org", null, " ", null, " "), Rules, Clock);

        var captured = start.Events.ShouldHaveSingleItem().ShouldBeOfType<LeadCaptured>();
        captured.Source.ShouldBe("api");
        captured.Company.ShouldBeNull();
        captured.Message.ShouldBeNull();
        captured.Phone.ShouldBeNull();
    }

    [Fact]
    public void capture_validation_names_every_bad_field()
    {
        var problem = CaptureLeadEndpoint.Validate(
            new CaptureLead(" ", "ada(at)engines", "12", new string('c', LeadDetails.MaxCompanyLength + 1), new string('s', 51)), Rules);

        problem.Status.ShouldBe(400);
        problem.ShouldBeOfType<HttpValidationProblemDetails>().Errors.Keys
            .ShouldBe(["name", "email", "phone", "company", "source"], ignoreOrder: true);
    }

    [Fact]
    public void a_web_form_lead_names_its_form_and_keeps_the_user_agent_within_its_limit()
    {
        var form = new LeadForm { Id = "f00d", Name = "Spring page", Active = true };
        var http = new DefaultHttpContext();
        http.Request.Headers.UserAgent = new string('u', CaptureWebFormLeadEndpoint.MaxUserAgentLength + 20);

        var (response, op, messages) = CaptureWebFormLeadEndpoint.Post(new WebFormLead("Ada", "ADA@engines.org"), form, http, Rules, Clock);

        response.Value.ShouldNotBeNull().Received.ShouldBeTrue();
        var captured = op.ShouldBeAssignableTo<IStartStream>()!.Events.ShouldHaveSingleItem().ShouldBeOfType<LeadCaptured>();
        captured.Source.ShouldBe("form:Spring page");
        captured.FormKey.ShouldBe("f00d");
        captured.Email.ShouldBe("ada@engines.org");
        captured.UserAgent!.Length.ShouldBe(CaptureWebFormLeadEndpoint.MaxUserAgentLength);
        messages.ShouldBeEmpty(); // no news asked for: no opt-in mail
    }

    [Fact]
    public void a_bot_filling_the_honeypot_is_thanked_and_nothing_is_stored()
    {
        var form = new LeadForm { Id = "f00d", Name = "Spring page", Active = true };
        var bot = new WebFormLead("x", "not an e-mail", Website: "http://spam.example");

        CaptureWebFormLeadEndpoint.Validate(bot, form, new DefaultHttpContext(), Rules).ShouldBeSameAs(Problems.None);
        var (response, op, messages) = CaptureWebFormLeadEndpoint.Post(bot with { Subscribe = true }, form, new DefaultHttpContext(), Rules, Clock);

        response.Value.ShouldNotBeNull().Received.ShouldBeTrue();
        op.ShouldNotBeAssignableTo<IStartStream>();
        messages.ShouldBeEmpty();
    }

    [Fact]
    public void a_deactivated_form_is_not_found()
    {
        var form = new LeadForm { Id = "f00d", Name = "Old page", Active = false };

        CaptureWebFormLeadEndpoint.Validate(new WebFormLead("Ada", "ada@engines.org"), form, new DefaultHttpContext(), Rules).Status.ShouldBe(404);
    }

    [Fact]
    public void a_new_lead_is_qualified_at_the_clocks_time()
    {
        var lead = Lead();

        QualifyLeadEndpoint.Validate(new QualifyLead(1), lead).ShouldBeSameAs(Problems.None);
        var (response, events) = QualifyLeadEndpoint.Post(new QualifyLead(1), lead, Clock);

        events.ShouldHaveSingleItem().ShouldBe(new LeadQualified(Now));
        response.Version.ShouldBe(2);
        Fold<Lead>.Apply(lead, events).Status.ShouldBe(LeadStatus.Qualified);
    }

    public static TheoryData<object, string> NotNew => new()
    {
        { new LeadQualified(Now), "The lead is qualified." },
        { new LeadDisqualified("no budget", Now), "The lead is disqualified." },
        { new LeadConverted(Guid.NewGuid(), true, Guid.NewGuid(), Now), "The lead is converted." },
    };

    [Theory]
    [MemberData(nameof(NotNew))]
    public void only_a_new_lead_is_qualified(object happened, string title)
    {
        var problem = QualifyLeadEndpoint.Validate(new QualifyLead(2), Lead(happened));

        problem.Status.ShouldBe(422);
        problem.Type.ShouldBe(Problems.RuleViolationType);
        problem.Title.ShouldBe(title);
        problem.Detail.ShouldBe("This is possible only for a lead that is new.");
    }

    [Fact]
    public void a_stale_version_is_a_conflict_before_the_status_is_looked_at()
    {
        var problem = QualifyLeadEndpoint.Validate(new QualifyLead(1), Lead(new LeadDisqualified("no budget", Now)));

        problem.Status.ShouldBe(409);
        problem.Extensions["currentVersion"].ShouldBe(2);
    }

    [Fact]
    public void a_missing_version_is_a_bad_request() =>
        QualifyLeadEndpoint.Validate(new QualifyLead(0), Lead()).ShouldBeOfType<HttpValidationProblemDetails>()
            .Errors.Keys.ShouldBe(["version"]);

    [Fact]
    public void new_and_qualified_leads_are_disqualified_with_the_reason_trimmed()
    {
        var qualified = Lead(new LeadQualified(Now));

        DisqualifyLeadEndpoint.Validate(new DisqualifyLead(1, "x"), Lead()).ShouldBeSameAs(Problems.None);
        DisqualifyLeadEndpoint.Validate(new DisqualifyLead(2, "x"), qualified).ShouldBeSameAs(Problems.None);
        var (response, events) = DisqualifyLeadEndpoint.Post(new DisqualifyLead(2, "  No budget this year "), qualified, Clock);

        events.ShouldHaveSingleItem().ShouldBe(new LeadDisqualified("No budget this year", Now));
        response.Version.ShouldBe(3);
    }

    [Fact]
    public void a_converted_lead_is_not_disqualified_and_a_reason_is_required()
    {
        var converted = DisqualifyLeadEndpoint.Validate(new DisqualifyLead(2, "late"),
            Lead(new LeadConverted(Guid.NewGuid(), true, Guid.NewGuid(), Now)));
        converted.Status.ShouldBe(422);
        converted.Detail.ShouldBe("This is possible only for a lead that is new or qualified.");

        DisqualifyLeadEndpoint.Validate(new DisqualifyLead(1, "  "), Lead()).ShouldBeOfType<HttpValidationProblemDetails>()
            .Errors.Keys.ShouldBe(["reason"]);
    }
}
