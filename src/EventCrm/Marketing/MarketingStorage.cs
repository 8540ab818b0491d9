using JasperFx.Events.Projections;
using Marten;

namespace EventCrm.Marketing;

/// <summary>The marketing context's part of the store: its projections, subscription, documents and the columns its queries use.</summary>
public static class MarketingStorage
{
    public const string UtmIndex = "ux_campaign_view_utm_campaign";

    public static void Configure(StoreOptions options, Func<AudienceEvaluation> evaluation, TimeProvider clock)
    {
        options.Projections.Add<AudienceViewProjection>(ProjectionLifecycle.Inline);
        options.Projections.Add(new AudienceMembership(), ProjectionLifecycle.Inline);
        options.Projections.Add<CampaignViewProjection>(ProjectionLifecycle.Inline);
        options.Projections.Add<CampaignRecipientViewProjection>(ProjectionLifecycle.Inline);
        options.Projections.Add<SuppressionEntryProjection>(ProjectionLifecycle.Inline);
        options.Projections.Subscribe(new AudienceMembershipKeeper(evaluation, clock));

        options.Schema.For<AudienceView>()
            .Duplicate(x => x.Kind)
            .Duplicate(x => x.Archived)
            .Duplicate(x => x.DefinedAt);
        options.Schema.For<CampaignView>()
            .Duplicate(x => x.Status)
            .Duplicate(x => x.Channel)
            .Duplicate(x => x.PlannedAt)
            // One campaign per UTM code: leads and conversions name campaigns by it.
            .Duplicate(x => x.UtmCampaign, configure: index =>
            {
                index.Name = UtmIndex;
                index.IsUnique = true;
            });
        options.Schema.For<CampaignRecipientView>()
            .Duplicate(x => x.CampaignId)
            .Duplicate(x => x.CustomerId)
            .Duplicate(x => x.Status)
            .Duplicate(x => x.SentAt)
            .Duplicate(x => x.LastActivityAt)
            .Duplicate(x => x.RetryAt);
        options.Schema.For<UsedLink>();
        options.Schema.For<WebhookDelivery>();
    }
}
