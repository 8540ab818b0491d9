using System.Net.Http.Headers;
using EventCrm.Client;
using Microsoft.AspNetCore.TestHost;
using Roles = EventCrm.Infrastructure.Security.Roles;

namespace EventCrm.Tests.Integrations;

/// <summary>
/// An integration written against the generated client alone (src/EventCrm.Client): it registers a customer with an
/// idempotency key, records a purchase, reads the profile back, follows the feed, and verifies a webhook's signature.
/// </summary>
[Collection(AppCollection.Name)]
public class when_the_generated_client_is_used(AppFixture app)
{
    private EventCrmClient ClientAs(string user, params string[] roles)
    {
        var http = app.Host.Server.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", app.TokenFor(user, roles));
        return new EventCrmClient(http);
    }

    [Fact]
    public async Task a_customer_registered_twice_with_one_key_is_one_customer_whose_purchase_and_events_the_integration_reads()
    {
        var sales = ClientAs("sam", Roles.Sales);
        var integration = ClientAs("zapier", Roles.Integration);
        var start = (await integration.ReadFeedAsync(types: "customer_registered", limit: 1)).Next;
        while ((await integration.ReadFeedAsync(after: start, limit: 500)) is { Events.Count: > 0 } rest) start = rest.Next;

        await using var receiver = await WebhookReceiver.Start();
        var webhook = await integration.CreateWebhookAsync(new CreateWebhook
        {
            Url = receiver.Url,
            EventTypes = ["customer_registered", "purchase_recorded"],
            FromCursor = start,
        });
        try
        {
            var key = Guid.NewGuid().ToString();
            var command = new RegisterCustomer { Name = "Client Ada", Email = AppFixture.NewEmail("client"), Country = "GB" };
            var registered = await sales.RegisterCustomerAsync(command, idempotency_Key: key);
            var again = await sales.RegisterCustomerAsync(command, idempotency_Key: key);
            again.Id.ShouldBe(registered.Id, "the retry gets the first answer");

            var purchase = await sales.RecordPurchaseAsync(registered.Id,
                new RecordPurchase { Version = registered.Version, Amount = 120.5, Currency = "EUR", Product = "Annual plan", Category = "subscriptions" },
                idempotency_Key: Guid.NewGuid().ToString());
            purchase.Version.ShouldBe(2);

            var profile = await sales.GetCustomerAsync(registered.Id);
            profile.Name.ShouldBe("Client Ada");
            profile.Version.ShouldBe(2);

            var events = new List<FeedEvent>();
            var after = start;
            for (var polls = 0; polls < 20 && events.Count(e => e.StreamId == registered.Id) < 2; polls++)
            {
                var page = await integration.ReadFeedAsync(after: after, types: "customer_registered,purchase_recorded", waitSeconds: 2);
                events.AddRange(page.Events);
                after = page.Next;
            }
            events.Where(e => e.StreamId == registered.Id).Select(e => e.Type).ShouldBe(["customer_registered", "purchase_recorded"],
                "registered once despite the retry, then the purchase");

            await receiver.Until(r => r.Accepted.Count(d => d.StreamId == registered.Id.ToString()) >= 2);
            foreach (var delivery in receiver.Accepted.Where(d => d.StreamId == registered.Id.ToString()))
                WebhookSignature.IsAuthentic(webhook.Secret, delivery.Headers["webhook-id"], delivery.Headers["webhook-timestamp"],
                    delivery.Headers["webhook-signature"], delivery.Body, DateTimeOffset.UtcNow).ShouldBeTrue();

            var refused = await Should.ThrowAsync<EventCrmApiException>(() => sales.ReadFeedAsync());
            refused.StatusCode.ShouldBe(403);
        }
        finally
        {
            await integration.DeleteWebhookAsync(webhook.Id);
        }
    }
}
