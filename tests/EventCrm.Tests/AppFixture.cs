using System.Net.Http.Headers;
using Alba;
using EventCrm.Infrastructure.Security;
using EventCrm.MailSink;
using EventCrm.Infrastructure.Storage;
using Marten;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Trace;
using Wolverine;
using Wolverine.Tracking;

namespace EventCrm.Tests;

/// <summary>
/// The whole application, hosted in memory against the real PostgreSQL that <c>build/crm test</c> starts
/// (<c>ConnectionStrings__Postgres</c>). Started once for every integration test; tests isolate themselves
/// with fresh ids and e-mail addresses instead of wiping the database.
/// </summary>
public sealed class AppFixture : IAsyncLifetime
{
    public const string SigningKey = "integration-tests-signing-key-0123456789abcdef";

    /// <summary>The checkpoints' signing key of this run (ECDSA P-256, PEM), made afresh like an operator's.</summary>
    public static readonly string AuditKey = EventCrm.Audit.AuditKeys.NewPrivateKeyPem();

    public IAlbaHost Host { get; private set; } = null!;

    /// <summary>The SMTP server every test host sends to: in this process, on a free port.</summary>
    public static SmtpSink Mail => TestMail.Sink;

    /// <summary>Where this host's inbound SMTP endpoint reads bounces.</summary>
    public int BouncePort { get; } = SmtpSink.FreePort();

    /// <summary>The application's clock: real time, unless a test moves it (and moves it back).</summary>
    public ShiftableClock Clock { get; } = new();

    public IDocumentStore Store => Host.Services.GetRequiredService<IDocumentStore>();

    /// <summary>Tables, columns and indexes as the store maps them, for the tests that read PostgreSQL directly.</summary>
    public StoreNames Names => Host.Services.GetRequiredService<StoreNames>();

    /// <summary>The spans the application ended most recently, from OpenTelemetry's in-memory exporter.</summary>
    public RecentSpans Spans { get; } = new();

    public async Task InitializeAsync()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("ConnectionStrings__Postgres")))
            throw new InvalidOperationException(
                "Integration tests need PostgreSQL: run them with ./build/crm test (or set ConnectionStrings__Postgres).");

        Host = await AlbaHost.For<Program>(builder =>
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("Auth:SigningKey", SigningKey);
            builder.UseSetting("Api:PublicDocs", "false");
            builder.UseSetting("Jobs:RunServer", "false");
            builder.UseSetting("Logging:Format", "text");
            builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
            // The operational figures are read every second, and a projection 5 s behind degrades readiness.
            builder.UseSetting("Observability:SampleInterval", "00:00:01");
            builder.UseSetting("Observability:MaxProjectionLag", "00:00:05");
            builder.UseSetting("Audit:Signing:Key", AuditKey);
            // Checkpoints soon after the events, so tests need not wait long for one.
            builder.UseSetting("Audit:Checkpoints:Poll", "00:00:00.200");
            builder.UseSetting("Audit:Checkpoints:Interval", "00:00:01");
            // Webhooks go to receivers the tests run on loopback, over http, and are retried soon.
            builder.UseSetting("Webhooks:AllowPrivateTargets", "true");
            builder.UseSetting("Webhooks:AllowHttp", "true");
            builder.UseSetting("Webhooks:FirstRetryDelay", "00:00:00.200");
            builder.UseSetting("Webhooks:MaxRetryDelay", "00:00:01");
            builder.UseSetting("Webhooks:MaxAttempts", "5");
            builder.UseSetting("Webhooks:PollInterval", "00:00:00.100");
            TestMail.Configure(builder);
            builder.UseSetting("Marketing:Bounces:SmtpPort", BouncePort.ToString());
            builder.ConfigureTestServices(services =>
            {
                services.AddSingleton<TimeProvider>(Clock);
                services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(Spans));
            });
        });
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();

    public AuthOptions Auth => Host.Services.GetRequiredService<IOptions<AuthOptions>>().Value;

    public string TokenFor(string user, params string[] roles) =>
        DevelopmentTokens.Mint(Auth, user, roles, DateTimeOffset.UtcNow);

    /// <summary>Runs a scenario and waits until every message it sent has been handled.</summary>
    public async Task<IScenarioResult> ScenarioAndWait(Action<Scenario> configure)
    {
        IScenarioResult? result = null;
        await ((IHost)Host).TrackActivity().Timeout(TimeSpan.FromSeconds(30))
            .ExecuteAndWaitAsync((Func<IMessageContext, Task>)(async _ => result = await Host.Scenario(configure)));
        return result!;
    }

    /// <summary>A unique, valid e-mail address so tests never collide in the shared database.</summary>
    public static string NewEmail(string who = "customer") => $"{who}.{Guid.NewGuid():N}@example.com";
}

/// <summary>
/// The mail settings of every test host: the shared in-process SMTP sink, no pacing to speak of, and short leases and
/// waits so that an interrupted send resumes within seconds.
/// </summary>
public static class TestMail
{
    public const string WebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static readonly Lazy<SmtpSink> Started = new(() => SmtpSink.Start().GetAwaiter().GetResult());

    public static SmtpSink Sink => Started.Value;

    public static void Configure(IWebHostBuilder builder)
    {
        builder.UseSetting("Marketing:PublicBaseUrl", "http://localhost");
        builder.UseSetting("Marketing:Sending:SmtpHost", "127.0.0.1");
        builder.UseSetting("Marketing:Sending:SmtpPort", Sink.Port.ToString());
        builder.UseSetting("Marketing:Sending:Tls", "none");
        builder.UseSetting("Marketing:Sending:MessagesPerMinute", "60000");
        builder.UseSetting("Marketing:Sending:Burst", "1000");
        builder.UseSetting("Marketing:Sending:BatchSize", "5");
        builder.UseSetting("Marketing:Sending:SmtpTimeout", "00:00:02");
        builder.UseSetting("Marketing:Sending:InFlightLease", "00:00:03");
        builder.UseSetting("Marketing:Sending:ResumeCheckEvery", "00:00:01");
        builder.UseSetting("Marketing:Sending:SoftBounceRetryAfter", "00:00:01");
        builder.UseSetting("Marketing:Links:RequestsPerMinute", "100000");
        builder.UseSetting("Marketing:Bounces:SmtpAddress", "127.0.0.1");
        builder.UseSetting("Marketing:Bounces:WebhookSecret", WebhookSecret);
    }
}

[CollectionDefinition(Name)]
public sealed class AppCollection : ICollectionFixture<AppFixture>
{
    public const string Name = "application";
}

/// <summary>
/// The last spans exported, at most a few thousand, so that a suite's worth of requests never piles up in memory.
/// </summary>
public sealed class RecentSpans : ICollection<System.Diagnostics.Activity>
{
    private const int Capacity = 5_000;
    private readonly LinkedList<System.Diagnostics.Activity> _spans = new();

    public void Add(System.Diagnostics.Activity span)
    {
        lock (_spans)
        {
            _spans.AddLast(span);
            if (_spans.Count > Capacity) _spans.RemoveFirst();
        }
    }

    /// <summary>The spans of one trace, in the order they ended.</summary>
    public IReadOnlyList<System.Diagnostics.Activity> Of(System.Diagnostics.ActivityTraceId trace)
    {
        lock (_spans) return _spans.Where(span => span.TraceId == trace).ToList();
    }

    public IReadOnlyList<System.Diagnostics.Activity> Snapshot()
    {
        lock (_spans) return [.. _spans];
    }

    public int Count { get { lock (_spans) return _spans.Count; } }
    public bool IsReadOnly => false;
    public void Clear() { lock (_spans) _spans.Clear(); }
    public bool Contains(System.Diagnostics.Activity item) { lock (_spans) return _spans.Contains(item); }
    public void CopyTo(System.Diagnostics.Activity[] array, int arrayIndex) { lock (_spans) _spans.CopyTo(array, arrayIndex); }
    public bool Remove(System.Diagnostics.Activity item) { lock (_spans) return _spans.Remove(item); }
    public IEnumerator<System.Diagnostics.Activity> GetEnumerator() => Snapshot().GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>Real time plus an offset that a test can move forward and that returns to zero afterwards.</summary>
public sealed class ShiftableClock : TimeProvider
{
    public TimeSpan Offset { get; private set; }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;

    /// <summary>Moves the clock on by <paramref name="by"/> until the returned handle is disposed.</summary>
    public IDisposable Travel(TimeSpan by)
    {
        var before = Offset;
        Offset += by;
        return new Return(this, before);
    }

    private sealed class Return(ShiftableClock clock, TimeSpan to) : IDisposable
    {
        public void Dispose() => clock.Offset = to;
    }
}
