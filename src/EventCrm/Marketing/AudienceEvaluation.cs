using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using EventCrm.Models;
using Marten;
using Npgsql;

namespace EventCrm.Marketing;

/// <summary>
/// Decides who enters and leaves dynamic audiences, and records it on their members streams. Given what changed (the
/// customers whose events came in, the audiences to look at in full), it compares each filter's verdict with the
/// membership as projected and records only the differences, so running it twice over the same change records
/// nothing the second time.
/// </summary>
public sealed class AudienceEvaluation(IDocumentStore store, NpgsqlDataSource database, ILogger<AudienceEvaluation> logger)
{
    public const int PageSize = 5_000;
    public const int DecisionsPerEvent = 1_000;
    public const string Source = "job:audience-membership";

    /// <summary>What a change amounts to for one audience: who enters, who leaves, with the values seen.</summary>
    public static (List<MemberDecision> Entered, List<MemberDecision> Left) Decide(CompiledFilter filter,
        IEnumerable<AudienceCandidate> candidates, IReadOnlySet<Guid> members)
    {
        var entered = new List<MemberDecision>();
        var left = new List<MemberDecision>();
        foreach (var candidate in candidates)
        {
            var belongs = candidate.IsActive && filter.Matches(candidate);
            var isMember = members.Contains(candidate.Profile.Id);
            if (belongs && !isMember) entered.Add(new MemberDecision(candidate.Profile.Id, filter.Evidence(candidate)));
            else if (!belongs && isMember)
                left.Add(new MemberDecision(candidate.Profile.Id, candidate.IsActive
                    ? filter.Evidence(candidate)
                    : new Dictionary<string, string> { ["status"] = candidate.Profile.Status.ToString().ToLowerInvariant() }));
        }
        return (entered, left);
    }

    public async Task Run(IReadOnlyCollection<Guid> changedCustomers, IReadOnlyDictionary<Guid, string> inFull, bool scoresChanged,
        DateTimeOffset now, CancellationToken cancellation)
    {
        await using var query = store.QuerySession();
        var audiences = await query.Query<AudienceView>()
            .Where(a => a.Kind == AudienceKind.Dynamic && !a.Archived).ToListAsync(cancellation);
        if (audiences.Count == 0) return;

        var incremental = new List<AudienceView>();
        foreach (var audience in audiences)
        {
            if (inFull.TryGetValue(audience.Id, out var reason)) await EvaluateAll(audience, reason, now, cancellation);
            else if (scoresChanged && audience.UsesScores) await EvaluateAll(audience, "scores were updated", now, cancellation);
            else incremental.Add(audience);
        }
        if (incremental.Count == 0 || changedCustomers.Count == 0) return;

        var profiles = await query.LoadManyAsync<CustomerProfile>(cancellation, changedCustomers);
        var scores = incremental.Any(a => a.UsesScores)
            ? (await query.LoadManyAsync<CustomerScore>(cancellation, changedCustomers)).ToDictionary(s => s.Id)
            : [];
        var candidates = profiles.Select(p => new AudienceCandidate(p, scores.GetValueOrDefault(p.Id), now)).ToList();
        await using var session = Session();
        foreach (var audience in incremental)
        {
            var members = await AudienceMembership.Current(database, audience.Id, changedCustomers, cancellation);
            var (entered, left) = Decide(audience.Filter!.Compile(), candidates, members);
            Append(session, audience, entered, left, "the customer changed", now);
        }
        await session.SaveChangesAsync(cancellation);
    }

    /// <summary>Every customer against the audience's filter, a page at a time; each page's decisions commit together.</summary>
    public async Task EvaluateAll(AudienceView audience, string reason, DateTimeOffset now, CancellationToken cancellation)
    {
        var filter = audience.Filter!.Compile();
        var members = await AudienceMembership.Current(database, audience.Id, null, cancellation);
        var seen = new HashSet<Guid>();
        var (entering, leaving) = (0, 0);
        Guid? after = null;
        await using var query = store.QuerySession();
        while (true)
        {
            // Keyset pages in id order: each page is an index range, however far in.
            var page = after is { } from
                ? await query.QueryAsync<CustomerProfile>("where d.id > ? order by d.id limit ?", cancellation, from, PageSize)
                : await query.QueryAsync<CustomerProfile>("order by d.id limit ?", cancellation, PageSize);
            if (page.Count == 0) break;
            after = page[^1].Id;
            var scores = filter.UsesScores
                ? (await query.LoadManyAsync<CustomerScore>(cancellation, page.Select(p => p.Id))).ToDictionary(s => s.Id)
                : [];
            var (entered, left) = Decide(filter, page.Select(p => new AudienceCandidate(p, scores.GetValueOrDefault(p.Id), now)), members);
            foreach (var p in page) seen.Add(p.Id);
            if (entered.Count + left.Count == 0) continue;
            await using var session = Session();
            Append(session, audience, entered, left, reason, now);
            await session.SaveChangesAsync(cancellation);
            (entering, leaving) = (entering + entered.Count, leaving + left.Count);
        }
        // Members without a profile any more cannot belong.
        var gone = members.Where(m => !seen.Contains(m)).Select(m => new MemberDecision(m)).ToList();
        if (gone.Count > 0)
        {
            await using var session = Session();
            Append(session, audience, [], gone, reason, now);
            await session.SaveChangesAsync(cancellation);
        }
        logger.LogInformation("Audience {Audience} evaluated in full ({Reason}): {Entered} entered, {Left} left",
            audience.Id, reason, entering, leaving + gone.Count);
    }

    private IDocumentSession Session()
    {
        var session = store.LightweightSession();
        session.LastModifiedBy = "audiences";
        session.SetHeader(CommandMetadata.SourceHeader, Source);
        return session;
    }

    private static void Append(IDocumentSession session, AudienceView audience, List<MemberDecision> entered, List<MemberDecision> left,
        string reason, DateTimeOffset now)
    {
        foreach (var (inChunk, outChunk) in Chunks(entered, left))
            session.Events.Append(audience.MembersStream, new AudienceMembersChanged(audience.Id, inChunk, outChunk, reason, now));
    }

    /// <summary>Decisions in events of at most <see cref="DecisionsPerEvent"/>.</summary>
    private static IEnumerable<(List<MemberDecision>, List<MemberDecision>)> Chunks(List<MemberDecision> entered, List<MemberDecision> left)
    {
        for (var i = 0; i < entered.Count; i += DecisionsPerEvent)
            yield return (entered.GetRange(i, Math.Min(DecisionsPerEvent, entered.Count - i)), []);
        for (var i = 0; i < left.Count; i += DecisionsPerEvent)
            yield return ([], left.GetRange(i, Math.Min(DecisionsPerEvent, left.Count - i)));
    }
}
