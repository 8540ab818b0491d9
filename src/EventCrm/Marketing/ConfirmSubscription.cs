using System.Net;
using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using EventCrm.Sales;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using MimeKit;
using Wolverine.Http;

namespace EventCrm.Marketing;

/// <summary>
/// Double opt-in for web-form leads who ask for news: the confirmation mail goes at once (not paced, no campaign),
/// with a signed link that expires (<c>Marketing:Links:ConfirmationLifetime</c>) and works once, and names the
/// address it was sent to, so it can confirm that address only. The confirmation is the evidence of consent: when,
/// from which IP address and browser, for which wording (the consent text version the form showed).
/// </summary>
public static class LeadAskedForNewsHandler
{
    public static async Task Handle(LeadAskedForNews asked, IDocumentSession session, LinkTokens links, MailRelay relay,
        IOptions<MarketingRules> options, TimeProvider clock, CancellationToken cancellation)
    {
        var rules = options.Value;
        var now = clock.GetUtcNow();
        var version = asked.ConsentTextVersion ?? rules.DoubleOptIn.ConsentTextVersion;
        var token = links.Sign(LinkKind.Confirm, now, rules.Links.ConfirmationLifetime, lead: asked.LeadId, email: asked.Email,
            purpose: asked.Purpose, version: version);
        var url = $"{rules.PublicBaseUrl.TrimEnd('/')}/mail/confirm/{token}";
        var message = new MimeMessage
        {
            Subject = rules.DoubleOptIn.Subject,
            Date = now,
            MessageId = $"optin.{asked.LeadId:N}.{Guid.NewGuid():N}@{rules.Sending.MessageIdDomain}",
            Body = new BodyBuilder
            {
                TextBody = $"Hello {asked.Name},\n\nyou asked for our {asked.Purpose} by e-mail. Please confirm that this is your address:\n\n{url}\n\n" +
                           "If you did not ask for it, ignore this message: nothing will be sent to you.\n",
                HtmlBody = $"""<p>Hello {WebUtility.HtmlEncode(asked.Name)},</p><p>you asked for our {WebUtility.HtmlEncode(asked.Purpose)} by e-mail. Please confirm that this is your address:</p><p><a href="{WebUtility.HtmlEncode(url)}">Yes, send me the {WebUtility.HtmlEncode(asked.Purpose)}</a></p><p>If you did not ask for it, ignore this message: nothing will be sent to you.</p>""",
            }.ToMessageBody(),
        };
        message.From.Add(new MailboxAddress(rules.Sending.FromName, rules.Sending.FromAddress));
        message.To.Add(new MailboxAddress(asked.Name, asked.Email));
        await relay.SendOne(message, cancellation);
        session.Events.Append(asked.LeadId, new LeadConsentConfirmationSent(asked.Purpose, version, message.MessageId, clock.GetUtcNow()));
    }
}

public static class ConfirmSubscriptionEndpoint
{
    [WolverineGet("/mail/confirm/{token}", OperationId = "ShowConfirmSubscription",
        Summary = "The page a double opt-in link opens (public, signed token)", Description = "Shows a button that confirms; opening the link changes nothing.")]
    [AllowAnonymous]
    [RateLimited(MailLinks.RateLimitPolicy)]
    [Tags(MarketingModule.PublicMailLinks)]
    public static async Task<IResult> Show(string token, HttpContext http, LinkTokens links, IQuerySession session, TimeProvider clock,
        CancellationToken cancellation)
    {
        var (claims, problem) = links.Read(token, LinkKind.Confirm, clock.GetUtcNow());
        if (claims is null) return MailPages.Refuse(http, problem);
        if (await LinkTokens.RefuseIfUsed(session, claims, cancellation) != Problems.None)
            return MailPages.Page("Confirmed", MailPages.Text($"{claims.Email} is subscribed to our {claims.Purpose}."));
        return MailPages.Page("Confirm your subscription", MailPages.Text($"Send our {claims.Purpose} to {claims.Email}?") +
            """<form method="post"><button type="submit">Yes, subscribe me</button></form>""");
    }

    [WolverinePost("/mail/confirm/{token}", OperationId = "ConfirmSubscription",
        Summary = "Confirm a double opt-in (public, signed single-use token)",
        Description = "Records the lead's confirmation with its time, IP address, user agent and consent text version; an existing customer with the address gets the consent at once, a lead when it converts.")]
    [AllowAnonymous]
    [RateLimited(MailLinks.RateLimitPolicy)]
    [Tags(MarketingModule.PublicMailLinks)]
    public static async Task<IResult> Confirm(string token, HttpContext http, LinkTokens links, IDocumentSession session, TimeProvider clock,
        CancellationToken cancellation)
    {
        var now = clock.GetUtcNow();
        var (claims, problem) = links.Read(token, LinkKind.Confirm, now);
        if (claims is not { Lead: { } leadId, Email: { } email, Purpose: { } purpose }) return MailPages.Refuse(http, claims is null ? problem : LinkProblems.Invalid);
        if (await LinkTokens.RefuseIfUsed(session, claims, cancellation) is var used && used != Problems.None) return MailPages.Refuse(http, used);

        var lead = await session.Events.FetchForWriting<Lead>(leadId, cancellation);
        if (lead.Aggregate is null) return MailPages.Refuse(http, Problems.NotFound("The request this link confirms is gone."));
        // The link names the address it was sent to; it confirms that address and no other.
        if (!string.Equals(lead.Aggregate.Email, email, StringComparison.OrdinalIgnoreCase))
            return MailPages.Refuse(http, LinkProblems.Invalid);

        var userAgent = http.Request.Headers.UserAgent.ToString();
        var confirmed = new LeadConsentConfirmed(purpose, email, claims.Version ?? "", http.Connection.RemoteIpAddress?.ToString(),
            userAgent.Length > CaptureWebFormLeadEndpoint.MaxUserAgentLength ? userAgent[..CaptureWebFormLeadEndpoint.MaxUserAgentLength] : userAgent, now);
        lead.AppendOne(confirmed);
        if ((await NamedCustomer.WithEmail(session, email, cancellation)).Id is { } customerId
            && await session.Events.FetchForWriting<Customer>(customerId, cancellation) is { Aggregate: { } customer } stream)
            stream.AppendMany(ConsentDecided.By(customer, ConsentChannel.Email, purpose, true, $"double opt-in (lead {leadId})", now));
        session.Insert(LinkTokens.Use(claims, now));
        return MailPages.Page("Confirmed", MailPages.Text($"Thank you: {email} is subscribed to our {purpose}."));
    }
}
