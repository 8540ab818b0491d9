using EventCrm.Infrastructure.Security;
using EventCrm.Marketing;
using Microsoft.Extensions.Options;

namespace EventCrm.Tests.Marketing;

/// <summary>Links in mail are signed, expire, and say what they may do.</summary>
public sealed class LinkTokensTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 3, 12, 0, 0, TimeSpan.Zero);

    private static LinkTokens Tokens(string key = "a-marketing-key-of-at-least-32-bytes-0123") =>
        new(Options.Create(new MarketingRules { Links = { SigningKey = key } }), Options.Create(new AuthOptions()));

    [Fact]
    public void a_signed_link_reads_back_until_it_expires()
    {
        var tokens = Tokens();
        var campaign = Guid.NewGuid();
        var token = tokens.Sign(LinkKind.Click, Now, TimeSpan.FromDays(1), campaign, Guid.NewGuid(), url: "https://example.com/a?b=c");

        var (claims, _) = tokens.Read(token, LinkKind.Click, Now.AddHours(23));
        claims!.Campaign.ShouldBe(campaign);
        claims.Url.ShouldBe("https://example.com/a?b=c");
        tokens.Read(token, LinkKind.Click, Now.AddDays(1)).Problem.Type.ShouldBe(LinkProblems.ExpiredType);
    }

    [Fact]
    public void a_changed_a_foreign_or_a_misused_link_is_refused()
    {
        var tokens = Tokens();
        var token = tokens.Sign(LinkKind.Click, Now, TimeSpan.FromDays(1), Guid.NewGuid(), Guid.NewGuid(), url: "https://example.com/");
        var payload = token.Split('.')[0];
        var other = Tokens("another-marketing-key-of-32-bytes-or-more").Sign(LinkKind.Click, Now, TimeSpan.FromDays(1), url: "https://evil.example/");

        tokens.Read(token, LinkKind.Unsubscribe, Now).Problem.Type.ShouldBe(LinkProblems.InvalidType);
        tokens.Read(other, LinkKind.Click, Now).Problem.Type.ShouldBe(LinkProblems.InvalidType);
        tokens.Read($"{other.Split('.')[0]}.{token.Split('.')[1]}", LinkKind.Click, Now).Problem.Type.ShouldBe(LinkProblems.InvalidType);
        tokens.Read(payload, LinkKind.Click, Now).Problem.Type.ShouldBe(LinkProblems.InvalidType);
        tokens.Read("not a token", LinkKind.Click, Now).Problem.Type.ShouldBe(LinkProblems.InvalidType);
    }

    [Fact]
    public void without_a_key_of_its_own_the_key_is_derived_from_the_api_signing_key_and_differs_from_it()
    {
        var auth = new AuthOptions { SigningKey = AppFixture.SigningKey };
        var derived = LinkTokens.KeyOf(new LinkRules(), auth);

        derived.Length.ShouldBe(32);
        derived.ShouldNotBe(System.Text.Encoding.UTF8.GetBytes(AppFixture.SigningKey)[..32]);
        Should.Throw<InvalidOperationException>(() => LinkTokens.KeyOf(new LinkRules(), new AuthOptions()));
        Should.Throw<InvalidOperationException>(() => LinkTokens.KeyOf(new LinkRules { SigningKey = "short" }, auth));
    }

    [Fact]
    public void a_message_id_is_stable_per_campaign_and_recipient_and_names_them_only_when_it_is_ours()
    {
        var tokens = Tokens();
        var (campaign, customer) = (Guid.NewGuid(), Guid.NewGuid());
        var id = tokens.MessageIdFor(campaign, customer, "mail.example");

        tokens.MessageIdFor(campaign, customer, "mail.example").ShouldBe(id);
        tokens.RecipientOf($"<{id}>").ShouldBe((campaign, customer));
        tokens.RecipientOf(id.Replace(customer.ToString("N"), Guid.NewGuid().ToString("N"))).ShouldBeNull();
        Tokens("another-marketing-key-of-32-bytes-or-more").RecipientOf(id).ShouldBeNull();
        tokens.RecipientOf("abc@example.com").ShouldBeNull();
    }
}
