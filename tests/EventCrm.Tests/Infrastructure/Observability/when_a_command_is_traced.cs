using System.Diagnostics;
using EventCrm.Tests.Customers;
using EventCrm.Tests.Sales;

namespace EventCrm.Tests.Infrastructure.Observability;

[Collection(AppCollection.Name)]
public class when_a_command_is_traced(AppFixture app)
{
    [Fact]
    public async Task one_trace_follows_it_from_the_request_through_the_marten_append_to_the_outbox_message_and_its_handler()
    {
        var seller = SalesApi.NewSeller();
        var customer = await app.RegisterWith(new { name = "Traced Customer", email = AppFixture.NewEmail(), age = 41, country = "NL" });
        var opportunity = await app.OpenOpportunity(customer, seller, amount: 900m);
        await app.Succeed("opportunities", opportunity, "stage", new { version = 1, stage = "qualification" }, seller);
        await app.Succeed("opportunities", opportunity, "stage", new { version = 2, stage = "proposal" }, seller);

        // Winning sends RecordOpportunityPurchase through the outbox; its handler records the purchase.
        var won = await app.ScenarioAndWait(s =>
        {
            s.WithBearerToken(app.TokenFor(seller, EventCrm.Infrastructure.Security.Roles.Sales));
            s.Post.Json(new { version = 3 }).ToUrl($"/api/opportunities/{opportunity}/win");
            s.StatusCodeShouldBe(200);
        });

        var request = app.Spans.Snapshot().Last(span => span.Kind == ActivityKind.Server &&
            span.GetTagItem("url.path") as string == $"/api/opportunities/{opportunity}/win");
        var trace = await Metrics.Eventually(() => Task.FromResult(app.Spans.Of(request.TraceId)),
            spans => spans.Any(span => span.Source.Name == "Wolverine" && span.DisplayName.Contains("RecordOpportunityPurchase")), TimeSpan.FromSeconds(10));
        var described = string.Join("\n", trace.Select(span => $"{span.Source.Name} {span.Kind} {span.DisplayName} id={span.SpanId} parent={span.ParentSpanId} {string.Join(",", span.TagObjects.Select(t => t.Key + "=" + t.Value))}"));

        request.GetTagItem("http.request.method").ShouldBe("POST");
        request.GetTagItem("http.response.status_code").ShouldBe(200);
        request.GetTagItem("http.route").ShouldBe("/api/opportunities/{opportunityId}/win", described);

        // Marten's session, a child of the request, with the SQL of the append under it.
        var marten = trace.Where(span => span.Source.Name == "Marten" && Descends(span, request, trace)).ToList();
        marten.ShouldNotBeEmpty(described);
        trace.ShouldContain(span => span.Source.Name == "Npgsql" && marten.Any(session => Descends(span, session, trace)), described);

        // The message it caused: sent from the request's trace, then handled (by the outbox's local queue).
        var sent = trace.Where(span => span.Source.Name == "Wolverine" && span.Kind == ActivityKind.Producer).ToList();
        sent.ShouldContain(span => Descends(span, request, trace) && IsPurchaseMessage(span), described);
        var handled = trace.Where(span => span.Source.Name == "Wolverine" && span.GetTagItem("message.handler") is not null && IsPurchaseMessage(span)).ToList();
        handled.ShouldContain(span => Descends(span, request, trace), described);
        // ... and the handler's own append, in the same trace.
        trace.ShouldContain(span => span.Source.Name == "Marten" && handled.Any(h => Descends(span, h, trace)), described);
    }

    private static bool IsPurchaseMessage(Activity span) =>
        span.GetTagItem("messaging.message_type") as string == "EventCrm.Sales.RecordOpportunityPurchase";

    /// <summary>Whether <paramref name="span"/> is <paramref name="ancestor"/>'s child, grandchild, ...</summary>
    private static bool Descends(Activity span, Activity ancestor, IReadOnlyList<Activity> trace)
    {
        var byId = trace.ToDictionary(s => s.SpanId);
        for (var parent = span.ParentSpanId; parent != default;)
        {
            if (parent == ancestor.SpanId) return true;
            if (!byId.TryGetValue(parent, out var next)) return false;
            parent = next.ParentSpanId;
        }
        return false;
    }
}
