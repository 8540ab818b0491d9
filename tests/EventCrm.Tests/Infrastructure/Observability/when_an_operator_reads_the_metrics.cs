using Alba;
using EventCrm.Infrastructure.Security;
using EventCrm.Tests.Customers;
using EventCrm.Tests.Sales;
using Microsoft.Extensions.DependencyInjection;
using Wolverine.Runtime;
using Wolverine.Runtime.Agents;

namespace EventCrm.Tests.Infrastructure.Observability;

[Collection(AppCollection.Name)]
public class when_an_operator_reads_the_metrics(AppFixture app)
{
    private const string Pipeline = "SalesPipelineEntry";

    [Fact]
    public async Task the_endpoint_is_for_admins_only()
    {
        await app.Host.Scenario(s => { s.Get.Url("/metrics"); s.StatusCodeShouldBe(401); });
        await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Get.Url("/metrics");
            s.StatusCodeShouldBe(403);
        });
    }

    [Fact]
    public async Task commands_are_counted_by_type_and_status_with_their_durations_and_the_events_they_appended()
    {
        var before = await app.Scrape();
        const string count = "eventcrm_command_duration_seconds_count";
        var created = Metrics.Value(before, count, ("command", "RegisterCustomer"), ("status", "201")) ?? 0;
        var refused = Metrics.Value(before, count, ("command", "RegisterCustomer"), ("status", "400")) ?? 0;
        var appended = Metrics.Value(before, "marten_event_append_events_total", ("event_type", "customer_registered")) ?? 0;

        await app.RegisterWith(new { name = "Counted One", email = AppFixture.NewEmail(), age = 30, country = "DE" });
        await app.RegisterWith(new { name = "Counted Two", email = AppFixture.NewEmail(), age = 31, country = "DE" });
        await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Post.Json(new { name = "", email = "not an address" }).ToUrl("/api/customers");
            s.StatusCodeShouldBe(400);
        });

        var after = await app.Scrape();
        Metrics.Value(after, count, ("command", "RegisterCustomer"), ("status", "201")).ShouldBe(created + 2);
        Metrics.Value(after, count, ("command", "RegisterCustomer"), ("status", "400")).ShouldBe(refused + 1);
        Metrics.Value(after, "eventcrm_command_duration_seconds_sum", ("command", "RegisterCustomer"), ("status", "201")).ShouldNotBeNull().ShouldBeGreaterThan(0);
        Metrics.Value(after, "eventcrm_command_duration_seconds_bucket", ("command", "RegisterCustomer"), ("status", "201"), ("le", "+Inf"))
            .ShouldBe(created + 2);
        // Marten counts what it appended, by event type: two registrations, none for the refused command.
        Metrics.Value(after, "marten_event_append_events_total", ("event_type", "customer_registered")).ShouldBe(appended + 2);
    }

    [Fact]
    public async Task the_queues_and_the_jobs_are_reported()
    {
        var exposition = await Metrics.Eventually(app.Scrape, text => Metrics.Value(text, "eventcrm_outbox_depth") is not null, TimeSpan.FromSeconds(10));
        foreach (var gauge in new[] { "eventcrm_outbox_depth", "eventcrm_inbox_depth", "eventcrm_scheduled_depth", "eventcrm_dead_letters",
                     "eventcrm_jobs_enqueued", "eventcrm_jobs_processing", "eventcrm_jobs_failed", "eventcrm_jobs_servers", "eventcrm_events_sequence" })
            Metrics.Value(exposition, gauge).ShouldNotBeNull(gauge).ShouldBeGreaterThanOrEqualTo(0);
        Metrics.Value(exposition, "eventcrm_sample_age_seconds").ShouldNotBeNull().ShouldBeLessThan(30);
    }

    [Fact]
    public async Task a_projection_paused_in_the_cluster_shows_its_lag_rising_and_degrades_readiness_until_it_catches_up()
    {
        var runtime = app.Host.Services.GetRequiredService<IWolverineRuntime>();
        var agent = await Metrics.Eventually(
            () => Task.FromResult(runtime.Agents.AllRunningAgentUris().FirstOrDefault(uri => uri.ToString().Contains(Pipeline, StringComparison.OrdinalIgnoreCase))),
            uri => uri is not null, TimeSpan.FromSeconds(30));
        agent.ShouldNotBeNull("the sales pipeline's projection agent never started on this node");
        var caughtUp = await Metrics.Eventually(() => Lag(), lag => lag.Events == 0, TimeSpan.FromSeconds(30));
        caughtUp.Events.ShouldBe(0, "the projection was behind before the test paused it");

        var paused = new AgentRestrictions();
        paused.PauseAgent(agent);
        await runtime.Agents.ApplyRestrictionsAsync(paused, CancellationToken.None);
        try
        {
            (await Metrics.Eventually(() => Task.FromResult(runtime.Agents.AllRunningAgentUris().Contains(agent)), running => !running,
                TimeSpan.FromSeconds(30))).ShouldBeFalse("the agent kept running after the pause");

            // Three opportunities: an OpportunityOpened each, which the paused projection does not see.
            var seller = SalesApi.NewSeller();
            var customer = await app.RegisterWith(new { name = "Lagging Buyer", email = AppFixture.NewEmail(), age = 50, country = "FR" });
            for (var i = 0; i < 3; i++) await app.OpenOpportunity(customer, seller, amount: 100m + i);

            var behind = await Metrics.Eventually(() => Lag(), lag => lag.Events >= 3 && lag.Seconds > 5, TimeSpan.FromSeconds(20));
            behind.Events.ShouldBeGreaterThanOrEqualTo(3);
            behind.Seconds.ShouldBeGreaterThan(5);
            var degraded = await Metrics.Eventually(Readiness, ready => ready.Status == "Degraded", TimeSpan.FromSeconds(10));
            degraded.Status.ShouldBe("Degraded");
            degraded.Projections.ShouldContain(Pipeline);
        }
        finally
        {
            var restart = new AgentRestrictions([.. paused.Current]);
            restart.RestartAgent(agent);
            await runtime.Agents.ApplyRestrictionsAsync(restart, CancellationToken.None);
        }

        var resumed = await Metrics.Eventually(() => Lag(), lag => lag.Events == 0, TimeSpan.FromSeconds(30));
        resumed.Events.ShouldBe(0);
        resumed.Seconds.ShouldBe(0);
        (await Metrics.Eventually(Readiness, ready => ready.Status == "Healthy", TimeSpan.FromSeconds(10))).Status.ShouldBe("Healthy");
    }

    private async Task<(double Events, double Seconds)> Lag()
    {
        var exposition = await app.Scrape();
        return (Metrics.Value(exposition, "eventcrm_projection_lag_events", ("projection", Pipeline)) ?? -1,
            Metrics.Value(exposition, "eventcrm_projection_lag_seconds", ("projection", Pipeline)) ?? -1);
    }

    private async Task<(string Status, string Projections)> Readiness()
    {
        var result = await app.Host.Scenario(s => s.Get.Url("/health/ready"));
        var body = await result.Body();
        var check = body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "projections");
        return (body.GetProperty("status").GetString()!, check.GetProperty("description").GetString() ?? "");
    }
}
