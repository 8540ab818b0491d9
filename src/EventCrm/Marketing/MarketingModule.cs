using EventCrm.Infrastructure;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Jobs;
using EventCrm.Infrastructure.Security;
using EventCrm.Sales;
using Marten;
using Microsoft.Extensions.Options;
using Wolverine;

namespace EventCrm.Marketing;

/// <summary>
/// The marketing context: audiences, campaigns, e-mail that respects consent, tracked touches. Its settings, its part
/// of the store, the sending queue, the sender and its background checks, the bounce mailbox, the daily audience
/// refresh, and the rate limits of its public routes.
/// </summary>
public static class MarketingModule
{
    public const string PublicMailLinks = "Public mail links";

    public static IServiceCollection AddMarketing(this IServiceCollection services)
    {
        services.AddApiTag("Marketing", "Audiences, campaigns with frozen audiences, holdouts and A/B tests, e-mail that respects consent and suppression, touches, costs and reports.", 800)
            .AddApiTag(PublicMailLinks, "The public routes the links in marketing mail open (unsubscribe, preferences, confirmation, open pixel, clicks) and the mail provider's webhook: no token, signed links or bodies, rate-limited.", 810);
        services.AddSettings<MarketingRules>(MarketingRules.Section);
        services.AddOptions<MarketingRules>()
            .Validate<IOptions<AuthOptions>>((rules, auth) => HasLinkKey(rules, auth.Value),
                $"Set Marketing:Links:SigningKey ({LinkTokens.MinimumKeyBytes} bytes or more): the links in marketing mail are signed with it.")
            .Validate(rules => rules.Sending.InFlightLease > rules.Sending.SmtpTimeout,
                "Marketing:Sending:InFlightLease must be longer than Marketing:Sending:SmtpTimeout.")
            .Validate(rules => rules.DefaultHoldoutShare is >= 0 and <= ChooseCampaignAudienceEndpoint.MaxHoldoutShare,
                "Marketing:DefaultHoldoutShare is a share from 0 to 0.5.")
            .ValidateOnStart();

        services.ConfigureMarten((IServiceProvider provider, StoreOptions store) => MarketingStorage.Configure(store,
            provider.GetRequiredService<AudienceEvaluation>, provider.GetRequiredService<TimeProvider>()));
        services.AddSingleton<AudienceEvaluation>();
        services.AddSingleton<LinkTokens>();
        services.AddSingleton<EmailComposer>();
        services.AddSingleton<MailRelay>();
        services.AddSingleton<SendingPace>();
        services.AddSingleton<CampaignSender>();
        services.AddSingleton<ResumeInterruptedSends>();
        services.AddHostedService(provider => provider.GetRequiredService<ResumeInterruptedSends>());
        services.AddHostedService<BounceMailbox>();
        // Sales asks which campaign a lead's UTM code names.
        services.AddSingleton<ICampaignCodes, CampaignCodes>();
        services.AddWolverineExtension<MarketingMessaging>();
        services.AddRecurringJob<RefreshAudiences>(RefreshAudiences.JobId, "Marketing:RefreshAudiencesCron", "5 0 * * *",
            job => job.Run(CancellationToken.None));

        // The public mail routes: so many requests a minute per client address and route, counted across the nodes.
        services.AddRateLimits(policies => policies
            .Add(MailLinks.RateLimitPolicy, http => PerAddress(http, "mail-links", rules => rules.Links.RequestsPerMinute))
            .Add(MailProviderWebhookEndpoint.RateLimitPolicy, http => PerAddress(http, "mail-webhooks", rules => rules.Bounces.WebhookRequestsPerMinute)));
        return services;
    }

    private static bool HasLinkKey(MarketingRules rules, AuthOptions auth)
    {
        try
        {
            LinkTokens.KeyOf(rules.Links, auth);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static RateLimitRule PerAddress(HttpContext http, string policy, Func<MarketingRules, int> limit) =>
        new($"{policy}|{http.Connection.RemoteIpAddress}|{(http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText}",
            limit(http.RequestServices.GetRequiredService<MarketingRules>()), TimeSpan.FromMinutes(1));
}

/// <summary>
/// The sending queue: one durable local queue whose messages run one at a time on each node (an SMTP connection per
/// batch, one pace per node).
/// </summary>
internal sealed class MarketingMessaging : IWolverineExtension
{
    public const string SendingQueue = "marketing-sending";

    public void Configure(WolverineOptions options)
    {
        options.LocalQueue(SendingQueue).Sequential();
        options.PublishMessage<LaunchCampaign>().ToLocalQueue(SendingQueue);
        options.PublishMessage<SendCampaignBatch>().ToLocalQueue(SendingQueue);
        options.PublishMessage<RetryEmail>().ToLocalQueue(SendingQueue);
        options.PublishMessage<ChooseCampaignWinner>().ToLocalQueue(SendingQueue);
    }
}
