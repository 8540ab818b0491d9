using System.Security.Cryptography;
using System.Text.RegularExpressions;
using EventCrm.Customers;
using EventCrm.Infrastructure;
using EventCrm.Infrastructure.Security;
using EventCrm.Marketing;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace EventCrm.Tests.Marketing;

/// <summary>What a recipient's message holds: merge fields escaped, tracked links, unsubscribe headers, a plain-text part, DKIM.</summary>
public sealed class EmailComposerTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 3, 12, 0, 0, TimeSpan.Zero);

    private static readonly Campaign Spring = Fold<Campaign>.Apply(null, [
        new CampaignPlanned("Spring sale", null, CampaignChannel.Email, null, "EUR", null, null, "spring-sale", "mia", "newsletter", Now),
        new EmailVariantSet("a", "Hello {{ customer.first_name }}",
            """<html><body><p>Dear {{ customer.name }}, see <a href="https://shop.example/spring?ref=mail">our offers</a> and <a href='https://shop.example/x?utm_source=partner'>this</a>.</p></body></html>""",
            null, Now),
    ]);

    private static readonly CustomerProfile Ann = new()
    {
        Id = Guid.NewGuid(), Name = "Ann <b>Bold</b> & Co", Email = "ann@example.com", Country = "DE", Status = CustomerStatus.Active,
    };

    private static (EmailComposer Composer, LinkTokens Links) Composer(string? dkimKey = null)
    {
        var rules = new MarketingRules
        {
            PublicBaseUrl = "https://crm.example",
            Links = { SigningKey = "a-marketing-key-of-at-least-32-bytes-0123" },
            Sending = { MessageIdDomain = "mail.example", FromAddress = "news@mail.example", Dkim = { PrivateKey = dkimKey, Domain = "mail.example", Selector = "s1" } },
        };
        var links = new LinkTokens(Options.Create(rules), Options.Create(new AuthOptions()));
        return (new EmailComposer(Options.Create(rules), links), links);
    }

    [Fact]
    public void merge_fields_are_escaped_in_html_and_plain_in_text_and_subject()
    {
        var message = Composer().Composer.Compose(Spring, Spring.Variants[0], Ann, Now).Message;

        message.Subject.ShouldBe("Hello Ann");
        message.HtmlBody!.ShouldContain("Dear Ann &lt;b&gt;Bold&lt;/b&gt; &amp; Co");
        message.HtmlBody!.ShouldNotContain("<b>Bold</b>");
        message.TextBody!.ShouldContain("Dear Ann <b>Bold</b> & Co");
        message.To.Mailboxes.Single().Address.ShouldBe("ann@example.com");
    }

    [Fact]
    public void every_link_is_tagged_and_tracked_and_the_click_redirects_only_to_it()
    {
        var (composer, links) = Composer();
        var email = composer.Compose(Spring, Spring.Variants[0], Ann, Now);

        email.Links.ShouldBe([
            "https://shop.example/spring?ref=mail&utm_source=eventcrm&utm_medium=email&utm_campaign=spring-sale&utm_content=a",
            "https://shop.example/x?utm_source=partner&utm_medium=email&utm_campaign=spring-sale&utm_content=a",
        ]);
        var clicks = Regex.Matches(email.Message.HtmlBody!, "https://crm.example/mail/click/([A-Za-z0-9_.-]+)").Select(m => m.Groups[1].Value).ToList();
        clicks.Count.ShouldBe(2);
        clicks.Select(t => links.Read(t, LinkKind.Click, Now).Claims!.Url).ShouldBe(email.Links);
        links.Read(clicks[0], LinkKind.Click, Now).Claims!.Customer.ShouldBe(Ann.Id);
        email.Message.HtmlBody!.ShouldNotContain("href=\"https://shop.example");
        email.Message.TextBody!.ShouldContain("our offers (https://crm.example/mail/click/");
        email.Message.HtmlBody!.ShouldContain("https://crm.example/mail/open/");
    }

    [Fact]
    public void the_message_carries_one_click_unsubscribe_and_a_stable_message_id()
    {
        var (composer, links) = Composer();
        var first = composer.Compose(Spring, Spring.Variants[0], Ann, Now);
        var again = composer.Compose(Spring, Spring.Variants[0], Ann, Now.AddHours(1));

        first.Message.MessageId.ShouldBe(again.Message.MessageId);
        links.RecipientOf(first.MessageId).ShouldBe((Spring.Id, Ann.Id));
        first.Message.Headers["List-Unsubscribe-Post"].ShouldBe("List-Unsubscribe=One-Click");
        var unsubscribe = Regex.Match(first.Message.Headers["List-Unsubscribe"]!, "^<https://crm.example/mail/unsubscribe/([^>]+)>$");
        unsubscribe.Success.ShouldBeTrue(first.Message.Headers["List-Unsubscribe"]!);
        var claims = links.Read(unsubscribe.Groups[1].Value, LinkKind.Unsubscribe, Now).Claims!;
        (claims.Campaign, claims.Customer, claims.Purpose).ShouldBe((Spring.Id, Ann.Id, "newsletter"));
        // The template has no unsubscribe link of its own, so the body gets one.
        first.Message.HtmlBody!.ShouldContain("https://crm.example/mail/unsubscribe/");
        first.Message.TextBody!.ShouldContain("Unsubscribe: https://crm.example/mail/unsubscribe/");
    }

    [Fact]
    public void a_test_mail_names_no_recipient_in_its_links()
    {
        var (composer, links) = Composer();
        var test = composer.Compose(Spring, Spring.Variants[0], Ann, Now, testAddress: "mia@example.com");

        test.Message.Subject.ShouldStartWith("[Test] ");
        test.Message.To.Mailboxes.Single().Address.ShouldBe("mia@example.com");
        var click = Regex.Match(test.Message.HtmlBody!, "/mail/click/([A-Za-z0-9_.-]+)").Groups[1].Value;
        links.Read(click, LinkKind.Click, Now).Claims!.Customer.ShouldBeNull();
        links.RecipientOf(test.MessageId).ShouldBeNull();
    }

    [Fact]
    public void with_a_dkim_key_the_message_is_signed_and_verifies()
    {
        using var rsa = RSA.Create(2048);
        var message = Composer(rsa.ExportRSAPrivateKeyPem()).Composer.Compose(Spring, Spring.Variants[0], Ann, Now).Message;

        var signature = message.Headers[message.Headers.IndexOf(HeaderId.DkimSignature)];
        signature.Value.ShouldContain("d=mail.example");
        signature.Value.ShouldContain("s=s1");
        new DkimVerifier(new OneKey(rsa)).Verify(message, signature).ShouldBeTrue();
    }

    private sealed class OneKey(RSA rsa) : DkimPublicKeyLocatorBase
    {
        public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            GetPublicKey($"v=DKIM1; k=rsa; p={Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo())}");

        public override Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            Task.FromResult(LocatePublicKey(methods, domain, selector, cancellationToken));
    }
}
