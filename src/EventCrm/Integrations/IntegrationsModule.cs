using EventCrm.Infrastructure;
using Marten;

namespace EventCrm.Integrations;

/// <summary>
/// What systems outside the CRM follow it by: the event feed (read by cursor), the public event types and their
/// schemas, and webhooks delivered from the feed, one ordered lane per subscription.
/// </summary>
public static class IntegrationsModule
{
    public static IServiceCollection AddIntegrations(this IServiceCollection services)
    {
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section)
            .Validate(o => o.MaxAttempts >= 1 && o.FirstRetryDelay > TimeSpan.Zero && o.MaxRetryDelay >= o.FirstRetryDelay
                           && o.Timeout > TimeSpan.Zero && o.PollInterval > TimeSpan.Zero,
                "Webhooks: MaxAttempts must be at least 1, and FirstRetryDelay, MaxRetryDelay (not below it), Timeout and PollInterval positive.")
            .ValidateOnStart();
        services.ConfigureMarten((StoreOptions store) =>
        {
            store.Schema.For<WebhookSubscription>();
            store.Schema.For<WebhookProgress>();
        });
        services.AddSingleton<FeedReader>();
        services.AddSingleton<EventCatalog>();
        services.AddSingleton<WebhookTargets>();
        services.AddSingleton<WebhookSender>();
        services.AddHttpClient(WebhookSender.ClientName)
            .ConfigurePrimaryHttpMessageHandler(provider => provider.GetRequiredService<WebhookTargets>().Handler())
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan);
        services.AddHostedService<WebhookDispatcher>();
        services.AddApiTag("Integrations", "The event feed, the public event types and webhooks, for systems that follow the CRM.", 850);
        return services;
    }
}
