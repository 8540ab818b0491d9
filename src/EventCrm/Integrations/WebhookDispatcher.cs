using Marten;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EventCrm.Integrations;

/// <summary>
/// Delivers webhooks: one lane per active subscription, each reading the feed after its own cursor and delivering in
/// order, retrying the event at its head in place (exponential backoff with jitter) so that order holds and a slow
/// receiver holds up nobody else. The cursor moves only when a receiver has acknowledged an event, and is stored
/// before the next is sent: a crash or restart re-sends at most the event in flight (at least once, with the same
/// <c>webhook-id</c>), and a retry's attempts and due time survive a restart. One node of a cluster delivers at a
/// time: the one holding a PostgreSQL advisory lock, which the database releases when that node goes away.
/// </summary>
public sealed class WebhookDispatcher(IDocumentStore store, NpgsqlDataSource database, FeedReader feed, WebhookSender sender,
    TimeProvider clock, IOptions<WebhookOptions> options, ILogger<WebhookDispatcher> logger) : BackgroundService
{
    private const string LockKey = "select hashtext('eventcrm.webhooks')";
    private const int BatchSize = 50;
    private static readonly TimeSpan LaneCheck = TimeSpan.FromSeconds(1);

    private WebhookOptions Options => options.Value;

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        if (!Options.Deliver) return;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await using var connection = await database.OpenConnectionAsync(stopping);
                await using (var take = new NpgsqlCommand($"select pg_try_advisory_lock(({LockKey}))", connection))
                {
                    if (!(bool)(await take.ExecuteScalarAsync(stopping))!)
                    {
                        await Task.Delay(TimeSpan.FromSeconds(5), stopping);
                        continue;
                    }
                }
                await Dispatch(connection, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                logger.LogWarning("Webhook delivery paused for a moment: {Reason}", exception.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), stopping);
            }
        }
    }

    /// <summary>While the lock is held: a lane for each subscription that should deliver, until the lock is lost.</summary>
    private async Task Dispatch(NpgsqlConnection locked, CancellationToken stopping)
    {
        using var holding = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var lanes = new Dictionary<Guid, Task>();
        try
        {
            while (!holding.IsCancellationRequested)
            {
                foreach (var done in lanes.Where(lane => lane.Value.IsCompleted).Select(lane => lane.Key).ToList()) lanes.Remove(done);
                foreach (var id in await Deliverable(holding.Token))
                    if (!lanes.ContainsKey(id)) lanes[id] = Lane(id, holding.Token);

                await Task.Delay(LaneCheck, holding.Token);
                // The lock lives as long as its connection: a failed check means another node may deliver now.
                await using var alive = new NpgsqlCommand("select 1", locked);
                await alive.ExecuteScalarAsync(holding.Token);
            }
        }
        finally
        {
            await holding.CancelAsync();
            await Task.WhenAll(lanes.Values);
        }
    }

    /// <summary>The subscriptions that are neither paused by their owners nor stopped by their lane; cleans up after deleted ones.</summary>
    private async Task<IReadOnlyList<Guid>> Deliverable(CancellationToken cancellation)
    {
        await using var session = store.LightweightSession();
        var subscriptions = await session.Query<WebhookSubscription>().ToListAsync(cancellation);
        var progress = (await session.Query<WebhookProgress>().ToListAsync(cancellation)).ToDictionary(p => p.Id);
        var orphans = progress.Keys.Except(subscriptions.Select(s => s.Id)).ToList();
        if (orphans.Count > 0)
        {
            foreach (var orphan in orphans) session.Delete<WebhookProgress>(orphan);
            await session.SaveChangesAsync(cancellation);
        }
        return [.. subscriptions
            .Where(s => !s.Paused)
            .Where(s => !progress.TryGetValue(s.Id, out var p) || p.HaltedBecause is null || p.ResumesApplied < s.Resumes)
            .Select(s => s.Id)];
    }

    private async Task Lane(Guid id, CancellationToken cancellation)
    {
        await Task.Yield();
        try
        {
            while (!cancellation.IsCancellationRequested && await Step(id, cancellation)) { }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            // The dispatcher starts the lane again within a second, from its stored cursor.
            logger.LogWarning("Webhook {Subscription}: delivery interrupted: {Reason}", id, exception.Message);
        }
    }

    /// <summary>One batch of the lane; false when the lane should stop (deleted, paused, halted).</summary>
    private async Task<bool> Step(Guid id, CancellationToken cancellation)
    {
        await using var session = store.LightweightSession();
        var subscription = await session.LoadAsync<WebhookSubscription>(id, cancellation);
        if (subscription is null) return false;
        var progress = await session.LoadAsync<WebhookProgress>(id, cancellation)
                       ?? new WebhookProgress { Id = id, Cursor = subscription.StartAfter };
        var now = clock.GetUtcNow();
        var changed = Apply(subscription, progress, now);
        if (subscription.Paused || progress.HaltedBecause is not null)
        {
            if (changed) await Save(session, progress, cancellation);
            return false;
        }

        if (progress.Failing is { } failing && failing.NextAttemptAt > now)
        {
            if (changed) await Save(session, progress, cancellation);
            var wait = failing.NextAttemptAt - now;
            await Task.Delay(wait < LaneCheck ? wait : LaneCheck, clock, cancellation);
            return true;
        }

        var filter = new FeedFilter(subscription.EventTypes.Count == 0 ? null : subscription.EventTypes);
        var page = await feed.Read(progress.Cursor, filter, BatchSize, cancellation);
        foreach (var @event in page.Events)
        {
            var outcome = await sender.Send(subscription, @event, cancellation);
            now = clock.GetUtcNow();
            if (outcome.Delivered)
            {
                progress.Cursor = @event.Sequence;
                progress.Delivered++;
                progress.LastDeliveredAt = now;
                progress.Failing = null;
                await Save(session, progress, cancellation);
                continue;
            }

            Failed(subscription, progress, @event, outcome, now);
            await Save(session, progress, cancellation);
            return progress.HaltedBecause is null;
        }

        if (!page.More)
        {
            var next = FeedCursor.Parse(page.Next);
            if (next > progress.Cursor || changed)
            {
                progress.Cursor = Math.Max(progress.Cursor, next);
                await Save(session, progress, cancellation);
            }
            await Task.Delay(Options.PollInterval, clock, cancellation);
        }
        return true;
    }

    /// <summary>Acts on what the owners asked for since the lane last looked: a replay from a cursor, a resume.</summary>
    private static bool Apply(WebhookSubscription subscription, WebhookProgress progress, DateTimeOffset now)
    {
        var changed = false;
        if (subscription.Replay is { } replay && replay.Number > progress.ReplaysApplied)
        {
            progress.Cursor = replay.FromCursor;
            progress.ReplaysApplied = replay.Number;
            progress.Failing = null;
            changed = true;
        }
        if (subscription.Resumes > progress.ResumesApplied)
        {
            progress.ResumesApplied = subscription.Resumes;
            progress.HaltedBecause = null;
            progress.HaltedAt = null;
            progress.Failing = null;
            changed = true;
        }
        return changed;
    }

    private void Failed(WebhookSubscription subscription, WebhookProgress progress, FeedEvent @event, DeliveryOutcome outcome,
        DateTimeOffset now)
    {
        var attempts = (progress.Failing?.EventId == @event.Id ? progress.Failing.Attempts : 0) + 1;
        var error = outcome.Error ?? "failed";
        if (outcome.Gone || attempts >= Options.MaxAttempts)
        {
            progress.DeadLetters.Insert(0, new DeadLetter(@event.Cursor, @event.Id, @event.Type, attempts, error, now));
            if (progress.DeadLetters.Count > WebhookProgress.KeptDeadLetters)
                progress.DeadLetters.RemoveRange(WebhookProgress.KeptDeadLetters, progress.DeadLetters.Count - WebhookProgress.KeptDeadLetters);
            progress.Failing = null;
            progress.HaltedAt = now;
            progress.HaltedBecause = outcome.Gone
                ? $"The receiver answered 410 Gone to event {@event.Cursor}: it wants no more deliveries. Resume to deliver again from that event."
                : $"Event {@event.Cursor} ({@event.Type}) failed {attempts} times, last with: {error}. Resume to deliver again from that event.";
            logger.LogWarning("Webhook {Subscription} paused: {Reason}", subscription.Id, progress.HaltedBecause);
            return;
        }

        var delay = outcome.RetryAfter is { } asked && asked > TimeSpan.Zero
            ? Min(asked, Options.MaxRetryDelay)
            : Backoff(attempts, Options.FirstRetryDelay, Options.MaxRetryDelay);
        progress.Failing = new FailingDelivery(@event.Cursor, @event.Id, @event.Type, attempts, error, now, now + delay);
    }

    /// <summary>
    /// The wait after the n-th failure: the first delay doubled each time, capped, then between half and all of it
    /// at random, so that receivers that failed together are not all retried together.
    /// </summary>
    public static TimeSpan Backoff(int failures, TimeSpan first, TimeSpan max)
    {
        var full = Min(TimeSpan.FromTicks((long)Math.Min(first.Ticks * Math.Pow(2, failures - 1), max.Ticks)), max);
        return full / 2 + full / 2 * Random.Shared.NextDouble();
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static async Task Save(IDocumentSession session, WebhookProgress progress, CancellationToken cancellation)
    {
        session.Store(progress);
        await session.SaveChangesAsync(cancellation);
    }
}
