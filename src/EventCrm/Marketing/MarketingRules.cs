namespace EventCrm.Marketing;

/// <summary>Marketing settings (section <c>Marketing</c>).</summary>
public sealed class MarketingRules
{
    public const string Section = "Marketing";

    /// <summary>Where the public links in mail point (unsubscribe, preferences, tracking), without a trailing slash.</summary>
    public string PublicBaseUrl { get; set; } = "http://localhost:5080";

    /// <summary>The consent purpose a campaign mails for unless it names another.</summary>
    public string DefaultPurpose { get; set; } = "newsletter";

    /// <summary>The purposes the preference page offers (a campaign's own purpose is always one of them).</summary>
    public List<string> Purposes { get; set; } = ["newsletter", "offers"];

    /// <summary>The share of a frozen audience kept back from a campaign to measure lift (0 to 0.5).</summary>
    public double DefaultHoldoutShare { get; set; } = 0.10;

    /// <summary>The <c>utm_source</c> put on links in campaign mail.</summary>
    public string UtmSource { get; set; } = "eventcrm";

    public SendingRules Sending { get; set; } = new();
    public LinkRules Links { get; set; } = new();
    public BounceRules Bounces { get; set; } = new();
    public DoubleOptInRules DoubleOptIn { get; set; } = new();

    /// <summary>When audiences whose filters depend on the date (age, days since last purchase) are looked at again.</summary>
    public string RefreshAudiencesCron { get; set; } = "5 0 * * *";
}

/// <summary>How mail leaves: the SMTP relay, the sender, the pace and the rules that hold messages back.</summary>
public sealed class SendingRules
{
    public string SmtpHost { get; set; } = "localhost";
    public int SmtpPort { get; set; } = 2525;

    /// <summary>STARTTLS when the relay offers it; "always" requires it; "none" never uses it.</summary>
    public string Tls { get; set; } = "auto";

    public string? SmtpUser { get; set; }
    public string? SmtpPassword { get; set; }

    public string FromAddress { get; set; } = "news@eventcrm.local";
    public string FromName { get; set; } = "EventCrm";

    /// <summary>The envelope sender (Return-Path): where delivery status notifications come back to.</summary>
    public string BounceAddress { get; set; } = "bounces@eventcrm.local";

    /// <summary>The domain of Message-IDs (and of the DKIM signature unless it names its own).</summary>
    public string MessageIdDomain { get; set; } = "eventcrm.local";

    /// <summary>Messages one node sends per minute at most, in bursts of up to <see cref="Burst"/>.</summary>
    public int MessagesPerMinute { get; set; } = 600;
    public int Burst { get; set; } = 10;

    /// <summary>Recipients per durable batch message (and per frozen-recipients event).</summary>
    public int BatchSize { get; set; } = 200;

    /// <summary>At most this many campaign mails reach one customer within <see cref="FrequencyWindow"/>.</summary>
    public int FrequencyCap { get; set; } = 3;
    public TimeSpan FrequencyWindow { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Local time in the recipient's time zone (where known) during which nothing is sent; may span midnight.</summary>
    public TimeOnly QuietHoursStart { get; set; } = new(21, 0);
    public TimeOnly QuietHoursEnd { get; set; } = new(8, 0);

    /// <summary>How long one SMTP exchange may take before it counts as failed.</summary>
    public TimeSpan SmtpTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// A message whose hand-over started this long ago without being recorded as sent was in flight when its sender
    /// stopped: it is sent again (same Message-ID) and recorded as resent after a crash. Longer than the SMTP timeout.
    /// </summary>
    public TimeSpan InFlightLease { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often each node looks for sends that stopped with their node, to resume them.</summary>
    public TimeSpan ResumeCheckEvery { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>A soft bounce is retried this many times, this long after each.</summary>
    public int SoftBounceRetries { get; set; } = 3;
    public TimeSpan SoftBounceRetryAfter { get; set; } = TimeSpan.FromHours(1);

    public DkimRules Dkim { get; set; } = new();
}

/// <summary>DKIM signing with MimeKit: on when a private key is configured.</summary>
public sealed class DkimRules
{
    public string? Domain { get; set; }
    public string Selector { get; set; } = "eventcrm";

    /// <summary>A PEM private key (RSA), inline or as a file path.</summary>
    public string? PrivateKey { get; set; }
    public string? PrivateKeyPath { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(PrivateKey) || !string.IsNullOrWhiteSpace(PrivateKeyPath);
}

/// <summary>The signed links in mail and their public routes.</summary>
public sealed class LinkRules
{
    /// <summary>
    /// The HMAC key of the links (32 bytes or more). When empty it is derived from <c>Auth:SigningKey</c> (a key of
    /// its own, by HKDF); with an OpenID Connect authority and no signing key, it must be set.
    /// </summary>
    public string? SigningKey { get; set; }

    public TimeSpan UnsubscribeLifetime { get; set; } = TimeSpan.FromDays(90);
    public TimeSpan PreferencesLifetime { get; set; } = TimeSpan.FromDays(90);
    public TimeSpan TrackingLifetime { get; set; } = TimeSpan.FromDays(180);
    public TimeSpan ConfirmationLifetime { get; set; } = TimeSpan.FromDays(2);

    /// <summary>Requests one client address may make to the public mail routes per minute.</summary>
    public int RequestsPerMinute { get; set; } = 60;
}

/// <summary>Where bounces and complaints come back.</summary>
public sealed class BounceRules
{
    /// <summary>The port of the inbound SMTP endpoint that reads delivery status notifications (0: none).</summary>
    public int SmtpPort { get; set; }

    /// <summary>The address the inbound endpoint listens on.</summary>
    public string SmtpAddress { get; set; } = "0.0.0.0";

    /// <summary>The Standard Webhooks secret (<c>whsec_...</c>) of the mail provider's webhook; empty: the route refuses.</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>How far a webhook's timestamp may be from now.</summary>
    public TimeSpan WebhookTolerance { get; set; } = TimeSpan.FromMinutes(5);

    public int WebhookRequestsPerMinute { get; set; } = 600;
}

/// <summary>The confirmation mail a web-form lead gets when it asks for news.</summary>
public sealed class DoubleOptInRules
{
    /// <summary>The wording the forms show, by version; a lead's confirmation records the one it saw.</summary>
    public string ConsentTextVersion { get; set; } = "newsletter-v1";

    public string Subject { get; set; } = "Please confirm your subscription";
}
