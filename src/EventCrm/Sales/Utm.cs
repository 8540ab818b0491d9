using EventCrm.Infrastructure.Http;

namespace EventCrm.Sales;

/// <summary>
/// The UTM tags of the link a prospect arrived by (<c>utm_source</c>, <c>utm_medium</c>, <c>utm_campaign</c>): they
/// travel with the lead into its conversion and the opportunity it opens, so campaigns can be credited later.
/// </summary>
public record Utm(string? Source, string? Medium, string? Campaign)
{
    public const int MaxLength = 100;

    /// <summary>Stored trimmed and lower-case; null when no tag was given.</summary>
    public static Utm? Of(string? source, string? medium, string? campaign)
    {
        var utm = new Utm(Clean(source), Clean(medium), Clean(campaign));
        return utm is { Source: null, Medium: null, Campaign: null } ? null : utm;
    }

    private static string? Clean(string? tag) => string.IsNullOrWhiteSpace(tag) ? null : tag.Trim().ToLowerInvariant();
}

public static class UtmChecks
{
    public static FieldErrors CheckUtm(this FieldErrors errors, string? source, string? medium, string? campaign) =>
        errors.OptionalText("utmSource", source, Utm.MaxLength)
            .OptionalText("utmMedium", medium, Utm.MaxLength)
            .OptionalText("utmCampaign", campaign, Utm.MaxLength);
}

/// <summary>
/// Which campaign a UTM campaign code names. Sales asks when a lead converts; the marketing context, above it,
/// answers (it owns the campaigns). Without it, no code names a campaign.
/// </summary>
public interface ICampaignCodes
{
    Task<Guid?> CampaignWithCode(string utmCampaign, CancellationToken cancellation);
}

internal sealed class NoCampaignCodes : ICampaignCodes
{
    public Task<Guid?> CampaignWithCode(string utmCampaign, CancellationToken cancellation) => Task.FromResult<Guid?>(null);
}
