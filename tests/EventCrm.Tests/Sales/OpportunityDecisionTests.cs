using System.Security.Claims;
using EventCrm.Customers;
using EventCrm.Infrastructure;
using EventCrm.Infrastructure.Http;
using EventCrm.Sales;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Time.Testing;

namespace EventCrm.Tests.Sales;

/// <summary>How an opportunity is opened, moved, won, lost and reopened, and who may do it.</summary>
public class when_opportunity_commands_are_decided
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 9, 30, 0, TimeSpan.Zero);
    private static readonly FakeTimeProvider Clock = new(Now);
    private static readonly ClaimsPrincipal Sally = Callers.Sales("sally");
    private static readonly Guid CustomerId = Guid.NewGuid();

    /// <summary>Sally's opportunity, folded from its stream: opened, then moved through <paramref name="stages"/>.</summary>
    private static Opportunity Opportunity(params OpportunityStage[] stages)
    {
        var events = new List<object>
        {
            new OpportunityOpened(CustomerId, "Analytical engine", 2500m, "EUR", new DateOnly(2027, 1, 31), "sally", "direct", null, null, Now.AddDays(-10)),
        };
        var at = OpportunityStage.Prospecting;
        foreach (var stage in stages)
        {
            events.Add(new OpportunityStageChanged(at, stage, Now.AddDays(-5)));
            at = stage;
        }
        return Fold<Opportunity>.Apply(null, events) with { Id = Guid.NewGuid() };
    }

    private static Opportunity InProposal() => Opportunity(OpportunityStage.Qualification, OpportunityStage.Proposal);

    // --- opening ---

    [Fact]
    public void an_opportunity_opens_in_prospecting_owned_by_whoever_opens_it()
    {
        var command = new OpenOpportunity(CustomerId, "  Analytical   engine ", 2500m, " usd ", new DateOnly(2027, 1, 31));

        var (response, start) = OpenOpportunityEndpoint.Post(command, Sally, Clock);

        var opened = start.Events.ShouldHaveSingleItem().ShouldBeOfType<OpportunityOpened>();
        opened.ShouldBe(new OpportunityOpened(CustomerId, "Analytical engine", 2500m, "USD", new DateOnly(2027, 1, 31), "sally",
            "direct", null, null, Now));
        start.StreamId.ShouldBe(response.Id);
        Fold<Opportunity>.Apply(null, opened).Stage.ShouldBe(OpportunityStage.Prospecting);
    }

    [Fact]
    public void opening_for_someone_else_is_an_admins_call()
    {
        var customer = new NamedCustomer(new CustomerProfile { Id = CustomerId });
        var forBob = new OpenOpportunity(CustomerId, "Deal", 10m, "EUR", new DateOnly(2027, 1, 31), Owner: "bob");

        OpenOpportunityEndpoint.Validate(forBob, customer, Sally, Clock).Status.ShouldBe(403);
        OpenOpportunityEndpoint.Validate(forBob, customer, Callers.Admin(), Clock).ShouldBeSameAs(Problems.None);
        OpenOpportunityEndpoint.Post(forBob, Callers.Admin(), Clock).Item2.Events.ShouldHaveSingleItem()
            .ShouldBeOfType<OpportunityOpened>().Owner.ShouldBe("bob");
    }

    [Fact]
    public void an_unknown_customer_is_not_found_and_a_merged_one_points_to_its_survivor()
    {
        var command = new OpenOpportunity(CustomerId, "Deal", 10m, "EUR", new DateOnly(2027, 1, 31));
        var survivor = Guid.NewGuid();

        OpenOpportunityEndpoint.Validate(command, new NamedCustomer(null), Sally, Clock).Status.ShouldBe(404);
        var merged = OpenOpportunityEndpoint.Validate(command,
            new NamedCustomer(new CustomerProfile { Id = CustomerId, Status = CustomerStatus.Merged, MergedInto = survivor }), Sally, Clock);
        merged.Status.ShouldBe(422);
        merged.Detail.ShouldBe($"Open the opportunity for customer {survivor}.");
    }

    [Fact]
    public void opening_names_every_bad_field()
    {
        var problem = OpenOpportunityEndpoint.Validate(new OpenOpportunity(Guid.Empty, " ", 1.00001m, "EURO", new DateOnly(2026, 11, 25)),
            new NamedCustomer(null), Sally, Clock);

        problem.ShouldBeOfType<HttpValidationProblemDetails>().Errors.Keys.ShouldBe(
            ["customerId", "title", "amount", "currency", "expectedCloseDate"], ignoreOrder: true);
    }

    // --- stages ---

    public static TheoryData<OpportunityStage[], OpportunityStage> AllowedMoves => new()
    {
        { [], OpportunityStage.Qualification },
        { [OpportunityStage.Qualification], OpportunityStage.Proposal },
        { [OpportunityStage.Qualification], OpportunityStage.Prospecting },
        { [OpportunityStage.Qualification, OpportunityStage.Proposal], OpportunityStage.Negotiation },
        { [OpportunityStage.Qualification, OpportunityStage.Proposal], OpportunityStage.Qualification },
        { [OpportunityStage.Qualification, OpportunityStage.Proposal, OpportunityStage.Negotiation], OpportunityStage.Proposal },
    };

    [Theory]
    [MemberData(nameof(AllowedMoves))]
    public void one_step_forward_or_one_back_is_a_stage_change(OpportunityStage[] path, OpportunityStage to)
    {
        var opportunity = Opportunity(path);
        var command = new MoveOpportunityStage(opportunity.Version, to);

        MoveOpportunityStageEndpoint.Validate(command, opportunity, Sally).ShouldBeSameAs(Problems.None);
        var (response, events) = MoveOpportunityStageEndpoint.Post(command, opportunity, Clock);

        events.ShouldHaveSingleItem().ShouldBe(new OpportunityStageChanged(opportunity.Stage, to, Now));
        response.Version.ShouldBe(opportunity.Version + 1);
        Fold<Opportunity>.Apply(opportunity, events).Stage.ShouldBe(to);
    }

    public static TheoryData<OpportunityStage[], OpportunityStage, string[]> RefusedMoves => new()
    {
        { [], OpportunityStage.Proposal, ["Qualification"] },
        { [], OpportunityStage.Negotiation, ["Qualification"] },
        { [OpportunityStage.Qualification], OpportunityStage.Negotiation, ["Proposal", "Prospecting"] },
        { [OpportunityStage.Qualification, OpportunityStage.Proposal, OpportunityStage.Negotiation], OpportunityStage.Qualification, ["Proposal"] },
        { [OpportunityStage.Qualification, OpportunityStage.Proposal, OpportunityStage.Negotiation], OpportunityStage.Prospecting, ["Proposal"] },
    };

    [Theory]
    [MemberData(nameof(RefusedMoves))]
    public void a_jump_is_refused_naming_the_stages_it_could_go_to(OpportunityStage[] path, OpportunityStage to, string[] allowed)
    {
        var opportunity = Opportunity(path);

        var problem = MoveOpportunityStageEndpoint.Validate(new MoveOpportunityStage(opportunity.Version, to), opportunity, Sally);

        problem.Status.ShouldBe(422);
        problem.Title.ShouldBe("This stage change is not allowed.");
        problem.Extensions["allowed"].ShouldBeOfType<string[]>().ShouldBe(allowed);
    }

    [Theory]
    [InlineData(OpportunityStage.Won)]
    [InlineData(OpportunityStage.Lost)]
    public void won_and_lost_are_not_stages_to_move_to(OpportunityStage to)
    {
        var opportunity = InProposal();

        var problem = MoveOpportunityStageEndpoint.Validate(new MoveOpportunityStage(3, to), opportunity, Sally);

        problem.Status.ShouldBe(422);
        problem.Detail.ShouldBe("Use POST .../win or .../lose to close an opportunity.");
    }

    [Fact]
    public void moving_to_the_stage_it_is_in_changes_nothing()
    {
        var opportunity = InProposal();
        var command = new MoveOpportunityStage(3, OpportunityStage.Proposal);

        MoveOpportunityStageEndpoint.Validate(command, opportunity, Sally).ShouldBeSameAs(Problems.None);
        var (response, events) = MoveOpportunityStageEndpoint.Post(command, opportunity, Clock);

        events.ShouldBeEmpty();
        response.Version.ShouldBe(3);
    }

    [Fact]
    public void a_closed_opportunity_does_not_move_until_reopened()
    {
        var lost = Fold<Opportunity>.Apply(InProposal(), new OpportunityLost(OpportunityStage.Proposal, "price", Now));

        var problem = MoveOpportunityStageEndpoint.Validate(new MoveOpportunityStage(4, OpportunityStage.Negotiation), lost, Sally);

        problem.Status.ShouldBe(422);
        problem.Title.ShouldBe("The opportunity is lost.");
        problem.Detail.ShouldBe("Reopen it before you move it.");
    }

    [Fact]
    public void a_stage_is_required() =>
        MoveOpportunityStageEndpoint.Validate(new MoveOpportunityStage(1, null), Opportunity(), Sally)
            .ShouldBeOfType<HttpValidationProblemDetails>().Errors.Keys.ShouldBe(["stage"]);

    // --- winning ---

    [Theory]
    [InlineData(OpportunityStage.Proposal)]
    [InlineData(OpportunityStage.Negotiation)]
    public void a_deal_with_a_proposal_made_is_won_and_its_purchase_is_sent_to_the_customer(OpportunityStage stage)
    {
        var opportunity = stage == OpportunityStage.Proposal
            ? InProposal()
            : Opportunity(OpportunityStage.Qualification, OpportunityStage.Proposal, OpportunityStage.Negotiation);
        var command = new WinOpportunity(opportunity.Version);

        WinOpportunityEndpoint.Validate(command, opportunity, Sally).ShouldBeSameAs(Problems.None);
        var (response, events, messages) = WinOpportunityEndpoint.Post(command, opportunity, new SalesRules(), Clock);

        events.ShouldHaveSingleItem().ShouldBe(new OpportunityWon(stage, 2500m, "EUR", Now));
        messages.ShouldHaveSingleItem().ShouldBe(
            new RecordOpportunityPurchase(CustomerId, opportunity.Id, 2500m, "EUR", "Analytical engine", "Deals", Now));
        response.Version.ShouldBe(opportunity.Version + 1);
    }

    [Fact]
    public void a_final_figure_replaces_the_amount_and_the_category_comes_from_the_rules()
    {
        var opportunity = InProposal();

        var (_, events, messages) = WinOpportunityEndpoint.Post(new WinOpportunity(3, 2300.5m), opportunity,
            new SalesRules { WonOpportunityCategory = "Engines" }, Clock);

        events.ShouldHaveSingleItem().ShouldBe(new OpportunityWon(OpportunityStage.Proposal, 2300.5m, "EUR", Now));
        var purchase = messages.ShouldHaveSingleItem().ShouldBeOfType<RecordOpportunityPurchase>();
        purchase.Amount.ShouldBe(2300.5m);
        purchase.Category.ShouldBe("Engines");
        Fold<Opportunity>.Apply(opportunity, events).Amount.ShouldBe(2300.5m);
    }

    [Theory]
    [InlineData(new OpportunityStage[0], "Prospecting")]
    [InlineData(new[] { OpportunityStage.Qualification }, "Qualification")]
    public void a_deal_without_a_proposal_is_not_won(OpportunityStage[] path, string stage)
    {
        var opportunity = Opportunity(path);

        var problem = WinOpportunityEndpoint.Validate(new WinOpportunity(opportunity.Version), opportunity, Sally);

        problem.Status.ShouldBe(422);
        problem.Detail.ShouldBe($"An opportunity is won from Proposal or Negotiation; this one is in {stage}.");
    }

    [Fact]
    public void a_won_deal_is_not_won_again_and_a_bad_final_figure_is_a_bad_request()
    {
        var opportunity = InProposal();
        var won = Fold<Opportunity>.Apply(opportunity, new OpportunityWon(OpportunityStage.Proposal, 2500m, "EUR", Now));

        WinOpportunityEndpoint.Validate(new WinOpportunity(4), won, Sally).Title.ShouldBe("The opportunity is won.");
        WinOpportunityEndpoint.Validate(new WinOpportunity(3, 0m), opportunity, Sally).ShouldBeOfType<HttpValidationProblemDetails>()
            .Errors.Keys.ShouldBe(["amount"]);
    }

    // --- losing and reopening ---

    [Fact]
    public void a_lost_deal_records_the_stage_it_was_lost_from_and_the_reason()
    {
        var opportunity = InProposal();
        var command = new LoseOpportunity(3, "  Went with a competitor ");

        LoseOpportunityEndpoint.Validate(command, opportunity, Sally).ShouldBeSameAs(Problems.None);
        var (response, events) = LoseOpportunityEndpoint.Post(command, opportunity, Clock);

        events.ShouldHaveSingleItem().ShouldBe(new OpportunityLost(OpportunityStage.Proposal, "Went with a competitor", Now));
        response.Version.ShouldBe(4);
    }

    [Fact]
    public void a_lost_deal_is_not_lost_again_and_a_reason_is_required()
    {
        var lost = Fold<Opportunity>.Apply(InProposal(), new OpportunityLost(OpportunityStage.Proposal, "price", Now));

        LoseOpportunityEndpoint.Validate(new LoseOpportunity(4, "again"), lost, Sally).Status.ShouldBe(422);
        LoseOpportunityEndpoint.Validate(new LoseOpportunity(3, " "), InProposal(), Sally).ShouldBeOfType<HttpValidationProblemDetails>()
            .Errors.Keys.ShouldBe(["reason"]);
    }

    [Fact]
    public void a_reopened_deal_goes_back_to_the_stage_it_was_lost_from()
    {
        var negotiating = Opportunity(OpportunityStage.Qualification, OpportunityStage.Proposal, OpportunityStage.Negotiation);
        var (_, lostEvents) = LoseOpportunityEndpoint.Post(new LoseOpportunity(4, "price"), negotiating, Clock);
        var lost = Fold<Opportunity>.Apply(negotiating, lostEvents);

        ReopenOpportunityEndpoint.Validate(new ReopenOpportunity(5), lost, Sally).ShouldBeSameAs(Problems.None);
        var (response, events) = ReopenOpportunityEndpoint.Post(new ReopenOpportunity(5), lost, Clock);

        events.ShouldHaveSingleItem().ShouldBe(new OpportunityReopened(OpportunityStage.Negotiation, Now));
        response.Version.ShouldBe(6);
        var reopened = Fold<Opportunity>.Apply(lost, events);
        reopened.Stage.ShouldBe(OpportunityStage.Negotiation);
        reopened.ClosedFrom.ShouldBeNull();
        reopened.IsOpen.ShouldBeTrue();
    }

    [Fact]
    public void a_won_deal_is_final_and_an_open_one_has_nothing_to_reopen()
    {
        var won = Fold<Opportunity>.Apply(InProposal(), new OpportunityWon(OpportunityStage.Proposal, 2500m, "EUR", Now));

        var final = ReopenOpportunityEndpoint.Validate(new ReopenOpportunity(4), won, Sally);
        final.Status.ShouldBe(422);
        final.Title.ShouldBe("A won opportunity is final.");

        var open = ReopenOpportunityEndpoint.Validate(new ReopenOpportunity(3), InProposal(), Sally);
        open.Status.ShouldBe(422);
        open.Title.ShouldBe("The opportunity is open.");
    }

    // --- amount and close date ---

    [Fact]
    public void a_new_amount_is_an_event_and_the_same_amount_written_differently_is_none()
    {
        var opportunity = InProposal();

        var (changedTo, changed) = ChangeOpportunityAmountEndpoint.Post(new ChangeOpportunityAmount(3, 3000m), opportunity, Clock);
        changed.ShouldHaveSingleItem().ShouldBe(new OpportunityAmountChanged(3000m, Now));
        changedTo.Version.ShouldBe(4);

        var (unchangedAt, unchanged) = ChangeOpportunityAmountEndpoint.Post(new ChangeOpportunityAmount(3, 2500.00m), opportunity, Clock);
        unchanged.ShouldBeEmpty();
        unchangedAt.Version.ShouldBe(3);
    }

    [Fact]
    public void an_amount_is_positive_with_at_most_four_decimals_and_only_an_open_deal_takes_one()
    {
        ChangeOpportunityAmountEndpoint.Validate(new ChangeOpportunityAmount(3, -1m), InProposal(), Sally).Status.ShouldBe(400);
        ChangeOpportunityAmountEndpoint.Validate(new ChangeOpportunityAmount(3, 1.23456m), InProposal(), Sally).Status.ShouldBe(400);
        var lost = Fold<Opportunity>.Apply(InProposal(), new OpportunityLost(OpportunityStage.Proposal, "price", Now));
        ChangeOpportunityAmountEndpoint.Validate(new ChangeOpportunityAmount(4, 10m), lost, Sally).Detail
            .ShouldBe("Reopen it before you change its amount.");
    }

    [Fact]
    public void a_new_close_date_is_an_event_the_same_one_is_none_and_a_past_one_is_refused()
    {
        var opportunity = InProposal();

        ChangeOpportunityCloseDateEndpoint.Post(new ChangeOpportunityCloseDate(3, new DateOnly(2027, 3, 1)), opportunity, Clock)
            .Item2.ShouldHaveSingleItem().ShouldBe(new OpportunityCloseDateChanged(new DateOnly(2027, 3, 1), Now));
        var (same, none) = ChangeOpportunityCloseDateEndpoint.Post(new ChangeOpportunityCloseDate(3, new DateOnly(2027, 1, 31)), opportunity, Clock);
        none.ShouldBeEmpty();
        same.Version.ShouldBe(3);

        ChangeOpportunityCloseDateEndpoint.Validate(new ChangeOpportunityCloseDate(3, new DateOnly(2026, 11, 26)), opportunity, Sally, Clock)
            .ShouldBeSameAs(Problems.None);
        ChangeOpportunityCloseDateEndpoint.Validate(new ChangeOpportunityCloseDate(3, new DateOnly(2026, 11, 25)), opportunity, Sally, Clock)
            .ShouldBeOfType<HttpValidationProblemDetails>().Errors["expectedCloseDate"].ShouldBe(["'expectedCloseDate' cannot be in the past."]);
    }

    // --- ownership ---

    public static TheoryData<string> Commands => new() { "move", "win", "lose", "reopen", "amount", "close-date" };

    private static ProblemDetails Check(string command, Opportunity opportunity, ClaimsPrincipal user, int version) => command switch
    {
        "move" => MoveOpportunityStageEndpoint.Validate(new MoveOpportunityStage(version, OpportunityStage.Negotiation), opportunity, user),
        "win" => WinOpportunityEndpoint.Validate(new WinOpportunity(version), opportunity, user),
        "lose" => LoseOpportunityEndpoint.Validate(new LoseOpportunity(version, "price"), opportunity, user),
        "reopen" => ReopenOpportunityEndpoint.Validate(new ReopenOpportunity(version), opportunity, user),
        "amount" => ChangeOpportunityAmountEndpoint.Validate(new ChangeOpportunityAmount(version, 10m), opportunity, user),
        _ => ChangeOpportunityCloseDateEndpoint.Validate(new ChangeOpportunityCloseDate(version, new DateOnly(2027, 2, 1)), opportunity, user, Clock),
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void another_sales_user_may_not_act_on_sallys_deal_but_an_admin_may(string command)
    {
        var opportunity = command == "reopen"
            ? Fold<Opportunity>.Apply(InProposal(), new OpportunityLost(OpportunityStage.Proposal, "price", Now))
            : InProposal();

        var refused = Check(command, opportunity, Callers.Sales("bob"), opportunity.Version);
        refused.Status.ShouldBe(403);
        refused.Type.ShouldBe(Ownership.NotOwnerType);
        refused.Detail.ShouldBe("This opportunity belongs to sally.");

        Check(command, opportunity, Callers.Admin(), opportunity.Version).ShouldBeSameAs(Problems.None);
        Check(command, opportunity, Sally, opportunity.Version).ShouldBeSameAs(Problems.None);
    }

    [Fact]
    public void a_stranger_with_a_stale_version_hears_that_it_is_not_theirs_before_that_it_is_stale()
    {
        var opportunity = InProposal();

        Check("win", opportunity, Callers.Sales("bob"), 1).Status.ShouldBe(403);
        var stale = Check("win", opportunity, Sally, 1);
        stale.Status.ShouldBe(409);
        stale.Extensions["currentVersion"].ShouldBe(3);
    }
}
