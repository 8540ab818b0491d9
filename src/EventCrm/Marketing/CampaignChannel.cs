namespace EventCrm.Marketing;

/// <summary>How a campaign reaches people: e-mail the system sends itself; the rest report their touches.</summary>
public enum CampaignChannel { Email, Social, Ads, Event, Other }
