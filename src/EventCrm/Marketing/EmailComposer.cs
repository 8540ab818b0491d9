using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using EventCrm.Customers;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;

namespace EventCrm.Marketing;

/// <summary>A message ready to hand over, with the links it carries (the only ones its click route redirects to).</summary>
public sealed record ComposedEmail(MimeMessage Message, string MessageId, IReadOnlyList<string> Links);

/// <summary>
/// Builds one recipient's message: the variant's templates rendered with the customer's merge fields, UTM tags on
/// every link and the link wrapped in a signed click redirect, an open pixel, an unsubscribe link in the body (when
/// the template has none of its own), RFC 8058 one-click unsubscribe headers, a stable Message-ID, a plain-text part,
/// and a DKIM signature when a key is configured.
/// </summary>
public sealed partial class EmailComposer(IOptions<MarketingRules> options, LinkTokens links)
{
    private readonly Lazy<DkimSigner?> _dkim = new(() => Signer(options.Value.Sending));
    private MarketingRules Rules => options.Value;

    public static readonly IReadOnlyList<string> SignedHeaders =
        ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type", "List-Unsubscribe", "List-Unsubscribe-Post"];

    /// <summary>The campaign's mail for <paramref name="customer"/>; for a test, to <paramref name="testAddress"/>, marked so.</summary>
    public ComposedEmail Compose(Campaign campaign, EmailVariant variant, CustomerProfile customer, DateTimeOffset now,
        string? testAddress = null)
    {
        var test = testAddress is not null;
        // A test mail's links name no recipient: following them shows the pages but records nothing.
        Guid? recipient = test ? null : customer.Id;
        var unsubscribe = Url("unsubscribe", links.Sign(LinkKind.Unsubscribe, now, Rules.Links.UnsubscribeLifetime, campaign.Id, recipient,
            purpose: campaign.Purpose));
        var preferences = Url("preferences", links.Sign(LinkKind.Preferences, now, Rules.Links.PreferencesLifetime, customer: recipient));
        var fields = MergeFields.For(customer, campaign.Name, unsubscribe, preferences);

        var subject = EmailTemplates.Render(EmailTemplates.Parse(variant.Subject).Template!, fields, html: false);
        var html = EmailTemplates.Render(EmailTemplates.Parse(variant.Html).Template!, fields, html: true);
        var text = variant.Text is { } textTemplate
            ? EmailTemplates.Render(EmailTemplates.Parse(textTemplate).Template!, fields, html: false)
            : TextOf(html);

        var tracked = new List<string>();
        string Track(string url)
        {
            if (url.StartsWith(Rules.PublicBaseUrl, StringComparison.OrdinalIgnoreCase)) return url;
            var tagged = WithUtm(url, campaign, variant.Id);
            if (!tracked.Contains(tagged)) tracked.Add(tagged);
            return Url("click", links.Sign(LinkKind.Click, now, Rules.Links.TrackingLifetime, campaign.Id, recipient, url: tagged));
        }
        html = HtmlLink().Replace(html, m =>
            $"{m.Groups["before"].Value}{m.Groups["quote"].Value}{WebUtility.HtmlEncode(Track(WebUtility.HtmlDecode(m.Groups["url"].Value)))}{m.Groups["quote"].Value}");
        text = TextLink().Replace(text, m => Track(m.Value));

        if (!variant.Html.Contains("unsubscribe_url", StringComparison.Ordinal))
            html = BeforeBodyEnd(html, $"""<p style="font-size:12px;color:#666">You receive this because you agreed to {WebUtility.HtmlEncode(campaign.Purpose)} mail from us. <a href="{WebUtility.HtmlEncode(unsubscribe)}">Unsubscribe</a> &middot; <a href="{WebUtility.HtmlEncode(preferences)}">Your preferences</a></p>""");
        if (!(variant.Text ?? variant.Html).Contains("unsubscribe_url", StringComparison.Ordinal))
            text += $"\n\n--\nUnsubscribe: {unsubscribe}\nYour preferences: {preferences}\n";
        var pixel = Url("open", links.Sign(LinkKind.Open, now, Rules.Links.TrackingLifetime, campaign.Id, recipient));
        html = BeforeBodyEnd(html, $"""<img src="{WebUtility.HtmlEncode(pixel)}" width="1" height="1" alt="" style="display:none">""");

        var messageId = test
            ? $"test.{Guid.NewGuid():N}@{Rules.Sending.MessageIdDomain}"
            : links.MessageIdFor(campaign.Id, customer.Id, Rules.Sending.MessageIdDomain);
        var message = new MimeMessage
        {
            Subject = test ? $"[Test] {subject}" : subject,
            Date = now,
            MessageId = messageId,
            Body = new BodyBuilder { TextBody = text, HtmlBody = html }.ToMessageBody(),
        };
        message.From.Add(new MailboxAddress(Rules.Sending.FromName, Rules.Sending.FromAddress));
        message.To.Add(new MailboxAddress(test ? null : customer.Name, testAddress ?? customer.Email!));
        message.Headers.Add("List-Unsubscribe", $"<{unsubscribe}>");
        message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        message.Headers.Add("Precedence", "bulk");
        if (_dkim.Value is { } signer)
        {
            message.Prepare(EncodingConstraint.SevenBit);
            signer.Sign(message, SignedHeaders.ToList());
        }
        return new ComposedEmail(message, messageId, tracked);
    }

    private string Url(string route, string token) => $"{Rules.PublicBaseUrl.TrimEnd('/')}/mail/{route}/{token}";

    /// <summary>UTM tags the link does not have yet: source, medium (email), campaign (its code) and content (the variant).</summary>
    public string WithUtm(string url, Campaign campaign, string variant)
    {
        var tags = new[]
        {
            ("utm_source", Rules.UtmSource), ("utm_medium", "email"), ("utm_campaign", campaign.UtmCampaign), ("utm_content", variant),
        };
        var fragment = url.IndexOf('#') is var hash and >= 0 ? url[hash..] : "";
        var bare = fragment.Length > 0 ? url[..url.IndexOf('#')] : url;
        var query = bare.Contains('?') ? bare[(bare.IndexOf('?') + 1)..] : "";
        var present = query.Split('&', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=')[0]).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var added = string.Join("&", tags.Where(t => !present.Contains(t.Item1)).Select(t => $"{t.Item1}={Uri.EscapeDataString(t.Item2)}"));
        if (added.Length == 0) return url;
        return $"{bare}{(bare.Contains('?') ? (bare.EndsWith('?') || bare.EndsWith('&') ? "" : "&") : "?")}{added}{fragment}";
    }

    private static string BeforeBodyEnd(string html, string addition)
    {
        var end = html.LastIndexOf("</body>", StringComparison.OrdinalIgnoreCase);
        return end < 0 ? html + addition : html.Insert(end, addition);
    }

    /// <summary>A plain-text version of HTML: links as "text (url)", paragraphs and breaks as lines, tags dropped.</summary>
    public static string TextOf(string html)
    {
        var text = Regex.Replace(html, @"<(script|style)[^>]*>.*?</\1>", "", RegexOptions.Singleline | RegexOptions.IgnoreCase);
        text = Regex.Replace(text, @"<a\b[^>]*href\s*=\s*[""']([^""']+)[""'][^>]*>(.*?)</a>", m =>
        {
            var label = Regex.Replace(m.Groups[2].Value, "<[^>]+>", "").Trim();
            var href = m.Groups[1].Value;
            return label.Length == 0 || label == href ? href : $"{label} ({href})";
        }, RegexOptions.Singleline | RegexOptions.IgnoreCase);
        text = Regex.Replace(text, @"<(br|/p|/div|/h[1-6]|/li|/tr)\b[^>]*>", "\n", RegexOptions.IgnoreCase);
        text = Regex.Replace(text, "<[^>]+>", "");
        text = WebUtility.HtmlDecode(text);
        var lines = text.Split('\n').Select(l => Regex.Replace(l, @"[ \t]+", " ").Trim());
        return Regex.Replace(string.Join("\n", lines), @"\n{3,}", "\n\n").Trim() + "\n";
    }

    private static DkimSigner? Signer(SendingRules rules)
    {
        if (!rules.Dkim.Enabled) return null;
        var domain = rules.Dkim.Domain ?? rules.MessageIdDomain;
        var signer = rules.Dkim.PrivateKey is { Length: > 0 } pem
            ? new DkimSigner(new MemoryStream(Encoding.ASCII.GetBytes(pem)), domain, rules.Dkim.Selector, DkimSignatureAlgorithm.RsaSha256)
            : new DkimSigner(rules.Dkim.PrivateKeyPath!, domain, rules.Dkim.Selector, DkimSignatureAlgorithm.RsaSha256);
        signer.HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed;
        signer.BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed;
        return signer;
    }

    [GeneratedRegex("""(?<before>\bhref\s*=\s*)(?<quote>["'])(?<url>https?://[^"'\s]+)\k<quote>""", RegexOptions.IgnoreCase)]
    private static partial Regex HtmlLink();

    [GeneratedRegex("""https?://[^\s<>"')\]]+""", RegexOptions.IgnoreCase)]
    private static partial Regex TextLink();
}
