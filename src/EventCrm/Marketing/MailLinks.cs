using System.Net;
using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace EventCrm.Marketing;

/// <summary>
/// The public routes the links in campaign mail lead to. No session and no token of the API: each takes a signed
/// link token of its own kind (forged: 400, expired: 410, a single-use one used again: 409), and each client
/// address may call them a limited number of times a minute (429).
/// </summary>
public static class MailLinks
{
    public const string RateLimitPolicy = "mail-links";

    /// <summary>A 1×1 transparent GIF.</summary>
    private static readonly byte[] Pixel = Convert.FromBase64String("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");

    [WolverineGet("/mail/unsubscribe/{token}", OperationId = "ShowUnsubscribe", Summary = "The page an unsubscribe link opens (public, signed token)",
        Description = "Shows a button that unsubscribes; opening the link changes nothing (mail scanners open links).")]
    [AllowAnonymous]
    [RateLimited(RateLimitPolicy)]
    [Tags(MarketingModule.PublicMailLinks)]
    public static async Task<IResult> ShowUnsubscribe(string token, HttpContext http, LinkTokens links, IQuerySession session,
        TimeProvider clock, CancellationToken cancellation)
    {
        var (claims, problem) = links.Read(token, LinkKind.Unsubscribe, clock.GetUtcNow());
        if (claims is null) return MailPages.Refuse(http, problem);
        if (await LinkTokens.RefuseIfUsed(session, claims, cancellation) != Problems.None)
            return MailPages.Page("You are unsubscribed", MailPages.Text($"You no longer get {claims.Purpose} mail from us."));
        return MailPages.Page("Unsubscribe", MailPages.Text($"Stop receiving {claims.Purpose} mail from us?") +
            $"""<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>""");
    }

    [WolverinePost("/mail/unsubscribe/{token}", OperationId = "Unsubscribe", Summary = "One-click unsubscribe (RFC 8058; public, signed single-use token)",
        Description = "What List-Unsubscribe-Post triggers: withdraws the customer's e-mail consent for the campaign's purpose. No session needed.")]
    [AllowAnonymous]
    [RateLimited(RateLimitPolicy)]
    [Tags(MarketingModule.PublicMailLinks)]
    public static async Task<IResult> Unsubscribe(string token, HttpContext http, LinkTokens links, IDocumentSession session,
        TimeProvider clock, CancellationToken cancellation)
    {
        var now = clock.GetUtcNow();
        var (claims, problem) = links.Read(token, LinkKind.Unsubscribe, now);
        if (claims is null) return MailPages.Refuse(http, problem);
        if (await LinkTokens.RefuseIfUsed(session, claims, cancellation) is var used && used != Problems.None) return MailPages.Refuse(http, used);
        if (claims.Customer is not { } customerId)
            return MailPages.Page("This was a test message", MailPages.Text("Nothing was changed."));

        var purpose = claims.Purpose!;
        var customer = await session.Events.FetchForWriting<Customer>(customerId, cancellation);
        if (customer.Aggregate is { } current)
            customer.AppendMany(ConsentDecided.By(current with { Id = customerId }, ConsentChannel.Email, purpose, false,
                $"unsubscribe link (campaign {claims.Campaign})", now));
        if (claims.Campaign is { } campaign)
        {
            var recipient = CampaignRecipient.StreamId(campaign, customerId);
            if (await session.LoadAsync<CampaignRecipientView>(recipient, cancellation) is not null)
                session.Events.Append(recipient, new RecipientUnsubscribed(purpose, now));
        }
        session.Insert(LinkTokens.Use(claims, now));
        return MailPages.Page("You are unsubscribed", MailPages.Text($"You no longer get {purpose} mail from us."));
    }

    [WolverineGet("/mail/open/{token}", OperationId = "TrackOpen", Summary = "The open pixel (public, signed token)")]
    [AllowAnonymous]
    [RateLimited(RateLimitPolicy)]
    [Tags(MarketingModule.PublicMailLinks)]
    public static async Task<IResult> Open(string token, HttpContext http, LinkTokens links, IDocumentSession session, TimeProvider clock,
        CancellationToken cancellation)
    {
        var now = clock.GetUtcNow();
        var (claims, problem) = links.Read(token, LinkKind.Open, now);
        if (claims is null) return MailPages.Refuse(http, problem);
        await Record(session, claims, new EmailOpened(now), cancellation);
        http.Response.Headers.CacheControl = "no-store";
        return Results.Bytes(Pixel, "image/gif");
    }

    [WolverineGet("/mail/click/{token}", OperationId = "TrackClick", Summary = "A tracked link (public, signed token)",
        Description = "Redirects to the link the token was made for: only links that were in the message, so it redirects nowhere else.")]
    [AllowAnonymous]
    [RateLimited(RateLimitPolicy)]
    [Tags(MarketingModule.PublicMailLinks)]
    public static async Task<IResult> Click(string token, HttpContext http, LinkTokens links, IDocumentSession session, TimeProvider clock,
        CancellationToken cancellation)
    {
        var now = clock.GetUtcNow();
        var (claims, problem) = links.Read(token, LinkKind.Click, now);
        if (claims?.Url is not { } url || !Uri.TryCreate(url, UriKind.Absolute, out var target) || target.Scheme is not ("http" or "https"))
            return MailPages.Refuse(http, claims is null ? problem : LinkProblems.Invalid);
        await Record(session, claims, new EmailLinkClicked(url, now), cancellation);
        return Results.Redirect(target.AbsoluteUri);
    }

    /// <summary>An open or click on the recipient's stream; a link of a test mail (no recipient) records nothing.</summary>
    private static async Task Record(IDocumentSession session, LinkClaims claims, object happened, CancellationToken cancellation)
    {
        if (claims is not { Campaign: { } campaign, Customer: { } customer }) return;
        var id = CampaignRecipient.StreamId(campaign, customer);
        if (await session.LoadAsync<CampaignRecipientView>(id, cancellation) is not null) session.Events.Append(id, happened);
    }

    [WolverineGet("/mail/preferences/{token}", OperationId = "ShowPreferences", Summary = "A customer's mail preferences (public, signed token)")]
    [AllowAnonymous]
    [RateLimited(RateLimitPolicy)]
    [Tags(MarketingModule.PublicMailLinks)]
    public static async Task<IResult> ShowPreferences(string token, HttpContext http, LinkTokens links, IQuerySession session,
        MarketingRules rules, TimeProvider clock, CancellationToken cancellation)
    {
        var (claims, problem) = links.Read(token, LinkKind.Preferences, clock.GetUtcNow());
        if (claims is null) return MailPages.Refuse(http, problem);
        var profile = claims.Customer is { } id ? await session.LoadAsync<CustomerProfile>(id, cancellation) : null;
        var suppressed = profile?.Email is { } email && await session.LoadAsync<SuppressionEntry>(Suppression.StreamOf(email), cancellation) is { Active: true };
        var boxes = string.Concat(Purposes(rules, profile).Select(p =>
            $"""<p><label><input type="checkbox" name="purpose" value="{WebUtility.HtmlEncode(p)}"{(profile is not null && Consent.IsGranted(profile.Consents, ConsentChannel.Email, p) ? " checked" : "")}> {WebUtility.HtmlEncode(p)} mail</label></p>"""));
        return MailPages.Page("Your mail preferences", MailPages.Text("Choose which mail you get from us.") +
            $"""<form method="post">{boxes}<p><label><input type="checkbox" name="stopAll" value="on"{(suppressed ? " checked" : "")}> No marketing mail at all</label></p><button type="submit">Save</button></form>""");
    }

    [WolverinePost("/mail/preferences/{token}", OperationId = "SavePreferences", Summary = "Save a customer's mail preferences (public, signed token)",
        Description = "A form: 'purpose' once per purpose wanted, 'stopAll=on' to stop all marketing mail (the suppression list).")]
    [AllowAnonymous]
    [RateLimited(RateLimitPolicy)]
    [Tags(MarketingModule.PublicMailLinks)]
    public static async Task<IResult> SavePreferences(string token, HttpContext http, LinkTokens links, IDocumentSession session,
        MarketingRules rules, TimeProvider clock, CancellationToken cancellation)
    {
        var now = clock.GetUtcNow();
        var (claims, problem) = links.Read(token, LinkKind.Preferences, now);
        if (claims is null) return MailPages.Refuse(http, problem);
        if (claims.Customer is not { } customerId) return MailPages.Page("This was a test message", MailPages.Text("Nothing was changed."));
        var form = http.Request.HasFormContentType ? await http.Request.ReadFormAsync(cancellation) : null;
        var wanted = form?["purpose"].Select(p => Consent.NormalisePurpose(p ?? "")).ToHashSet() ?? [];
        var stopAll = form?["stopAll"].ToString() == "on";

        var stream = await session.Events.FetchForWriting<Customer>(customerId, cancellation);
        if (stream.Aggregate is not { } customer || customer.Status is CustomerStatus.Erased or CustomerStatus.Merged)
            return MailPages.Refuse(http, Problems.NotFound("These preferences belong to nobody we know any more."));
        var profile = await session.LoadAsync<CustomerProfile>(customerId, cancellation);
        var state = customer with { Id = customerId };
        foreach (var purpose in Purposes(rules, profile))
        {
            var decided = ConsentDecided.By(state, ConsentChannel.Email, purpose, wanted.Contains(purpose), "preference page", now);
            stream.AppendMany(decided);
            state = decided.Aggregate(state, Infrastructure.Fold<Customer>.Apply);
        }
        if (customer.Email is { } email)
        {
            var entry = await session.LoadAsync<SuppressionEntry>(Suppression.StreamOf(email), cancellation);
            if (stopAll) await Bounces.Suppress(session, email, SuppressionReason.Unsubscribed, null, "preference page", now, cancellation);
            else if (entry is { Active: true, Reason: SuppressionReason.Unsubscribed })
                session.Events.Append(entry.Id, new AddressSuppressionLifted("the customer asked for mail again on the preference page", now));
        }
        return MailPages.Page("Saved", MailPages.Text(stopAll ? "You get no marketing mail from us any more." : "Your preferences are saved."));
    }

    private static IEnumerable<string> Purposes(MarketingRules rules, CustomerProfile? profile) =>
        rules.Purposes.Select(Consent.NormalisePurpose)
            .Union(profile?.Consents.Where(c => c.Channel == ConsentChannel.Email).Select(c => c.Purpose) ?? [])
            .Distinct().Order(StringComparer.Ordinal);
}
