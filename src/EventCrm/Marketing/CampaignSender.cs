using EventCrm.Customers;
using EventCrm.Infrastructure;
using EventCrm.Infrastructure.Http;
using JasperFx;
using Marten.Exceptions;
using Marten;
using Microsoft.Extensions.Options;

namespace EventCrm.Marketing;

/// <summary>How far a batch got: done, or waiting (for quiet hours to end, or for a send another node holds).</summary>
public sealed record BatchProgress(bool Done, DateTimeOffset? ResumeAt);

/// <summary>What became of one recipient this time round.</summary>
internal enum RecipientResult { Finished, Waiting, Held }

/// <summary>
/// The sender loop: a batch of frozen recipients, one after another, each decided (consent, suppression, cap, quiet
/// hours), paced, claimed, handed over and recorded. The claim (<see cref="EmailSending"/>) is committed before the
/// hand-over and the acceptance (<see cref="EmailSent"/>) after it, so a batch stopped anywhere resumes without
/// skipping anyone: a recipient whose hand-over was in flight is sent again with the same Message-ID and recorded as
/// resent after a crash; one that another live sender holds is left to it.
/// </summary>
public sealed class CampaignSender(
    IDocumentStore store,
    MailRelay relay,
    SendingPace pace,
    EmailComposer composer,
    IOptions<MarketingRules> options,
    TimeProvider clock,
    IHostApplicationLifetime lifetime,
    ILogger<CampaignSender> logger)
{
    public const string Source = "job:campaign-sender";

    /// <summary>This sender (one per application instance), as named on the claims it makes.</summary>
    public string Process { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";

    private SendingRules Rules => options.Value.Sending;

    public async Task<BatchProgress> SendBatch(Guid campaignId, int number, CancellationToken cancellation)
    {
        // Stopping the application stops the loop at once, even in the middle of a hand-over: what was in flight is
        // known from its claim.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellation, lifetime.ApplicationStopping);
        var token = stopping.Token;

        await using var query = store.QuerySession();
        var campaign = await query.Events.AggregateStreamAsync<Campaign>(campaignId, token: token);
        var batch = campaign?.Frozen?.Batches.FirstOrDefault(b => b.Number == number);
        if (campaign is not { Status: CampaignStatus.Running } || batch is null || batch.Group == RecipientGroup.Holdout
            || campaign.BatchesSent.Contains(number) || campaign.VariantFor(batch) is not { } variant)
            return new BatchProgress(true, null);

        var frozen = await RecipientsOf(query, campaign, number, token);
        RelayConnection? connection = null;
        DateTimeOffset? resumeAt = null;
        var waiting = false;
        try
        {
            foreach (var customer in frozen.Customers)
            {
                token.ThrowIfCancellationRequested();
                var (result, until) = await Send(campaign, batch, variant, customer, retry: false,
                    async () => connection ??= await relay.Connect(token), token);
                if (result == RecipientResult.Finished) continue;
                waiting = true;
                if (until is { } at && (resumeAt is null || at < resumeAt)) resumeAt = at;
            }
        }
        finally
        {
            if (connection is not null) await connection.DisposeAsync();
        }
        if (waiting) return new BatchProgress(false, resumeAt ?? clock.GetUtcNow() + Rules.InFlightLease);

        await RecordBatchSent(campaignId, number, token);
        return new BatchProgress(true, null);
    }

    /// <summary>A soft-bounced recipient's next attempt, when it is due.</summary>
    public async Task Retry(Guid campaignId, Guid customerId, CancellationToken cancellation)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellation, lifetime.ApplicationStopping);
        await using var query = store.QuerySession();
        var campaign = await query.Events.AggregateStreamAsync<Campaign>(campaignId, token: stopping.Token);
        var recipient = await query.Events.AggregateStreamAsync<CampaignRecipient>(CampaignRecipient.StreamId(campaignId, customerId), token: stopping.Token);
        if (campaign is not { Status: CampaignStatus.Running or CampaignStatus.Completed } || recipient?.Batch is not { } number
            || campaign.Frozen?.Batches.FirstOrDefault(b => b.Number == number) is not { } batch || campaign.VariantFor(batch) is not { } variant)
            return;
        RelayConnection? connection = null;
        try
        {
            await Send(campaign, batch, variant, customerId, retry: true, async () => connection ??= await relay.Connect(stopping.Token), stopping.Token);
        }
        finally
        {
            if (connection is not null) await connection.DisposeAsync();
        }
    }

    private async Task<(RecipientResult, DateTimeOffset?)> Send(Campaign campaign, FrozenBatch batch, EmailVariant variant, Guid customer,
        bool retry, Func<Task<RelayConnection>> connect, CancellationToken token)
    {
        var streamId = CampaignRecipient.StreamId(campaign.Id, customer);
        await using var session = Session();
        var stream = await session.Events.FetchForWriting<CampaignRecipient>(streamId, token);
        var recipient = stream.Aggregate;
        var now = clock.GetUtcNow();

        var resent = false;
        switch (recipient?.Status)
        {
            case RecipientStatus.Sent when retry && recipient.RetryAt <= now:
                break;
            case RecipientStatus.Sent or RecipientStatus.Skipped or RecipientStatus.Bounced:
                return (RecipientResult.Finished, null);
            case RecipientStatus.Deferred when recipient.DeferredUntil > now:
                return (RecipientResult.Waiting, recipient.DeferredUntil);
            case RecipientStatus.Sending:
                // Ours (this process stopped in the middle of it and came round again) or another's that outlived its lease.
                var heldSince = recipient.LastAttemptAt ?? now;
                if (recipient.Claimant != Process && heldSince + Rules.InFlightLease > now)
                    return (RecipientResult.Held, heldSince + Rules.InFlightLease);
                resent = true;
                break;
        }

        var profile = await session.LoadAsync<CustomerProfile>(customer, token);
        var suppressed = profile?.Email is { } address
                         && await session.LoadAsync<SuppressionEntry>(Suppression.StreamOf(address), token) is { Active: true };
        var since = now - Rules.FrequencyWindow;
        var recent = retry || resent ? 0 : await session.Query<CampaignRecipientView>()
            .CountAsync(v => v.CustomerId == customer && v.SentAt >= since && v.CampaignId != campaign.Id, token);
        var decision = RecipientDecision.Decide(new RecipientFacts(profile, suppressed, recent), campaign.Purpose, Rules, now);

        var events = new List<object>();
        if (recipient is null)
            events.Add(new CampaignRecipientAdded(campaign.Id, customer, batch.Group, batch.VariantId ?? variant.Id, batch.Number, now));
        switch (decision)
        {
            case RecipientDecision.Skip skip:
                events.Add(new EmailSkipped(skip.Reason, now));
                stream.AppendMany(events);
                return await Commit(session, token) ? (RecipientResult.Finished, null) : (RecipientResult.Held, null);
            case RecipientDecision.Defer defer:
                events.Add(new EmailDeferred(defer.Until, defer.Reason, now));
                stream.AppendMany(events);
                return await Commit(session, token) ? (RecipientResult.Waiting, defer.Until) : (RecipientResult.Held, null);
        }

        // A permit first, so that waiting for the pace never holds a claim.
        await pace.Next(token);
        now = clock.GetUtcNow();
        var email = composer.Compose(campaign, variant, profile!, now);
        var attempt = (recipient?.Attempts ?? 0) + 1;
        if (resent) events.Add(new EmailResentAfterCrash(email.MessageId, attempt, recipient!.LastAttemptAt ?? now, now));
        events.Add(new EmailSending(email.MessageId, variant.Id, attempt, Process, now));
        stream.AppendMany(events);
        if (!await Commit(session, token)) return (RecipientResult.Held, null);

        var answer = await (await connect()).Send(email.Message, token);
        now = clock.GetUtcNow();
        await using var outcome = Session();
        switch (answer)
        {
            case RelayAnswer.Accepted:
                outcome.Events.Append(streamId, new EmailSent(email.MessageId, now));
                break;
            case RelayAnswer.Refused refused:
                outcome.Events.Append(streamId, new EmailBounced(BounceKind.Hard, refused.Status.ToString(), refused.Text, "smtp", null, now));
                await Bounces.Suppress(outcome, profile!.Email!, SuppressionReason.HardBounce, campaign.Id, "smtp", now, token);
                break;
            case RelayAnswer.Deferred deferred:
                var retryAt = (recipient?.SoftBounces ?? 0) < Rules.SoftBounceRetries ? now + Rules.SoftBounceRetryAfter : (DateTimeOffset?)null;
                // Retried when due by the resume check (ResumeInterruptedSends).
                outcome.Events.Append(streamId, new EmailBounced(BounceKind.Soft, deferred.Status.ToString(), deferred.Text, "smtp", retryAt, now));
                break;
        }
        // The hand-over is done: only a stop before this commit leaves the claim open (then it is resent, as it should).
        await outcome.SaveChangesAsync(CancellationToken.None);
        return (RecipientResult.Finished, null);
    }

    /// <summary>Commits a claim or a decision; false when another sender got to the recipient first.</summary>
    private async Task<bool> Commit(IDocumentSession session, CancellationToken token)
    {
        try
        {
            await session.SaveChangesAsync(token);
            return true;
        }
        catch (Exception e) when (e is ConcurrencyException or ExistingStreamIdCollisionException)
        {
            logger.LogInformation("A recipient was claimed by another sender first: {Reason}", e.Message);
            return false;
        }
    }

    private async Task RecordBatchSent(Guid campaignId, int number, CancellationToken token)
    {
        await using var session = Session();
        var stream = await session.Events.FetchForWriting<Campaign>(campaignId, token);
        var campaign = stream.Aggregate!;
        if (campaign.BatchesSent.Contains(number) || campaign.Status != CampaignStatus.Running) return;
        var counts = await session.Query<CampaignRecipientView>().Where(v => v.CampaignId == campaignId && v.Batch == number)
            .Select(v => v.Status).ToListAsync(token);
        var now = clock.GetUtcNow();
        var sent = new CampaignBatchSent(number, counts.Count(s => s is RecipientStatus.Sent or RecipientStatus.Bounced),
            counts.Count(s => s == RecipientStatus.Skipped), now);
        stream.AppendOne(sent);
        if (Fold<Campaign>.Apply(campaign, sent).SendingFinished && (!campaign.IsAbTest || campaign.Winner is not null))
            stream.AppendOne(new CampaignCompleted(now));
        await session.SaveChangesAsync(token);
    }

    public static async Task<RecipientsFrozen> RecipientsOf(IQuerySession session, Campaign campaign, int batch, CancellationToken token)
    {
        var stream = campaign.Frozen!.RecipientsStream;
        var events = await session.Events.QueryAllRawEvents().Where(e => e.StreamId == stream && e.Version == batch).ToListAsync(token);
        return (RecipientsFrozen)events.Single().Data;
    }

    private IDocumentSession Session()
    {
        var session = store.LightweightSession();
        session.LastModifiedBy = "campaign-sender";
        session.SetHeader(CommandMetadata.SourceHeader, Source);
        return session;
    }
}
