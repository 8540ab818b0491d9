using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Marketing;

/// <summary>Renders a variant for one customer (or sample values), without sending anything.</summary>
public record PreviewCampaignEmail(Guid? CustomerId = null, string? VariantId = null);

public record EmailPreview(string VariantId, string MessageId, string Subject, string From, string To, string Html, string Text,
    IReadOnlyDictionary<string, string> Headers, IReadOnlyList<string> Links);

/// <summary>The customer a preview or test renders with: the one named, or a sample.</summary>
public sealed record PreviewCustomer(CustomerProfile? Profile, bool Named)
{
    public static async Task<PreviewCustomer> Find(IQuerySession session, Guid? id, CancellationToken cancellation) =>
        id is { } customer ? new(await session.LoadAsync<CustomerProfile>(customer, cancellation), true) : new(null, false);

    public ProblemDetails RefuseIfMissing(Guid? id) =>
        Named && Profile is null ? Problems.NotFound($"No customer has id {id}.") : Problems.None;

    /// <summary>A preview shows what the customer would get; one without an address (never given, or erased) gets nothing.</summary>
    public ProblemDetails RefuseIfNoAddress(Guid? id) =>
        Named && Profile is { } profile && string.IsNullOrWhiteSpace(profile.Email)
            ? Problems.RuleViolation("The customer has no e-mail address.", $"Customer {id} has no e-mail address, so a campaign sends them nothing; preview with another customer, or with none for sample values.")
            : Problems.None;

    public CustomerProfile OrSample(string to) => Profile ?? new CustomerProfile
    {
        Id = Guid.Empty, Name = "Ada Lovelace", Email = to, Country = "GB", Region = "London", Industry = "Mathematics",
    };
}

public static class PreviewCampaignEmailEndpoint
{
    public static Task<PreviewCustomer> LoadAsync(PreviewCampaignEmail command, IQuerySession session, CancellationToken cancellation) =>
        PreviewCustomer.Find(session, command.CustomerId, cancellation);

    public static ProblemDetails Validate(PreviewCampaignEmail command, PreviewCustomer customer, Campaign campaign) =>
        Problems.FirstOf(CampaignChecks.RefuseUnlessEmail(campaign), customer.RefuseIfMissing(command.CustomerId),
            customer.RefuseIfNoAddress(command.CustomerId),
            campaign.Variants.FirstOrDefault(v => v.Id == (command.VariantId ?? campaign.Variants.FirstOrDefault()?.Id)) is null
                ? Problems.RuleViolation("No such variant.", $"Campaign {campaign.Id} has {(campaign.Variants.Count == 0 ? "no variants yet" : "the variants " + string.Join(", ", campaign.Variants.Select(v => v.Id)))}.")
                : Problems.None);

    [WolverinePost("/api/marketing/campaigns/{campaignId}/preview", OperationId = "PreviewCampaignEmail",
        Summary = "Render a campaign's e-mail for one customer", Description = "Subject, HTML, text, headers and tracked links, as the customer would get them; nothing is sent or recorded.")]
    [Authorize(Policy = Policies.MarketingWrite)]
    [Tags("Marketing")]
    public static EmailPreview Post(PreviewCampaignEmail command, PreviewCustomer customer, [ReadAggregate] Campaign campaign,
        EmailComposer composer, TimeProvider clock)
    {
        var variant = campaign.Variants.First(v => v.Id == (command.VariantId ?? campaign.Variants[0].Id));
        var profile = customer.OrSample("ada@example.com");
        return Describe(variant.Id, composer.Compose(campaign, variant, profile, clock.GetUtcNow(), customer.Named ? null : profile.Email));
    }

    public static EmailPreview Describe(string variant, ComposedEmail email)
    {
        var message = email.Message;
        return new EmailPreview(variant, email.MessageId, message.Subject ?? "", message.From.ToString(), message.To.ToString(),
            message.HtmlBody ?? "", message.TextBody ?? "",
            message.Headers.Where(h => h.Field.StartsWith("List-", StringComparison.Ordinal) || h.Field is "Precedence" or "DKIM-Signature")
                .ToDictionary(h => h.Field, h => h.Value), email.Links);
    }
}

/// <summary>Every variant to <c>to</c> (marked as a test), rendered for <c>customerId</c> or sample values.</summary>
public record SendTestEmail(int Version, string To, Guid? CustomerId = null);

public record TestEmailResponse(int Version, IReadOnlyList<string> Variants);

public static class SendTestEmailEndpoint
{
    public static Task<PreviewCustomer> LoadAsync(SendTestEmail command, IQuerySession session, CancellationToken cancellation) =>
        PreviewCustomer.Find(session, command.CustomerId, cancellation);

    public static ProblemDetails Validate(SendTestEmail command, PreviewCustomer customer, Campaign campaign, CustomerRules rules)
    {
        var errors = new FieldErrors();
        if (ContactDetails.NormaliseEmail(command.To) is null) errors.Add("to", "'to' must be an e-mail address.");
        return Problems.FirstOf(errors.ForCampaign(command.Version, campaign, "be tested", CampaignChecks.BeforeStart),
            CampaignChecks.RefuseUnlessEmail(campaign), customer.RefuseIfMissing(command.CustomerId),
            campaign.Variants.Count == 0 ? Problems.RuleViolation("The campaign has no content.", "Set its e-mail variant first.") : Problems.None);
    }

    [WolverinePost("/api/marketing/campaigns/{campaignId}/test-send", OperationId = "SendTestEmail",
        Summary = "Send every variant to yourself before any real send",
        Description = "Subjects start with [Test]; the links work but record nothing. Scheduling needs a test of the current content.")]
    [Authorize(Policy = Policies.MarketingWrite)]
    [Tags("Marketing")]
    [ProducesResponseType<TestEmailResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status503ServiceUnavailable, "application/problem+json")]
    public static async Task<(IResult, Events)> Post(SendTestEmail command, PreviewCustomer customer, [Target] Campaign campaign,
        EmailComposer composer, MailRelay relay, HttpContext http, TimeProvider clock, CancellationToken cancellation)
    {
        var now = clock.GetUtcNow();
        var to = ContactDetails.NormaliseEmail(command.To)!;
        var profile = customer.OrSample(to);
        var refused = new List<string>();
        try
        {
            await using var connection = await relay.Connect(cancellation);
            foreach (var variant in campaign.Variants.OrderBy(v => v.Id, StringComparer.Ordinal))
                if (await connection.Send(composer.Compose(campaign, variant, profile, now, to).Message, cancellation) is not RelayAnswer.Accepted)
                    refused.Add(variant.Id);
        }
        catch (Exception e) when (MailRelay.IsUnavailable(e))
        {
            // Nothing was recorded: the test can be sent again once the relay answers.
            http.Response.Headers.RetryAfter = MailRelay.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return (Results.Problem(MailRelay.Unavailable), []);
        }
        if (refused.Count > 0)
            return (Results.Problem(Problems.RuleViolation("The mail relay refused the test.",
                $"It did not take variant(s) {string.Join(", ", refused)} for {to}; check the address and the relay.")), []);
        var variants = campaign.Variants.Select(v => v.Id).Order(StringComparer.Ordinal).ToList();
        return (Results.Ok(new TestEmailResponse(campaign.Version + 1, variants)), [new TestEmailSent(to, variants, now)]);
    }
}
