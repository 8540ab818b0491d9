namespace EventCrm.Benchmarks;

/// <summary>
/// What a run measures and how hard: the full plan for figures worth quoting, the quick one (about a minute)
/// so that CI proves the harness still works. Sizes are in demo customers; the generator writes about 28
/// events per customer, so 350, 3,500 and 35,000 customers are about 10k, 100k and 1M events.
/// </summary>
public sealed record Plan(
    bool Quick,
    int[] Concurrency,
    TimeSpan Warmup,
    TimeSpan Duration,
    int Repeats,
    int CommandsCustomers,
    int[] QueryConcurrency,
    int QueriesCustomers,
    int BulkCustomers,
    int[] ScalingCustomers,
    int ScalingConcurrency,
    int[] ModelCustomers,
    bool ModelsOnePerProcess,
    int[] Nodes,
    int NodesConcurrency,
    int[] AuditConcurrency,
    int VerifyCustomers,
    int FeedCustomers,
    int Deliveries,
    int MarketingCustomers,
    int MarketingRecipients,
    int[] ImportRows,
    int RebuildCustomers,
    int ScalingRebuildUpTo = int.MaxValue)
{
    /// <summary>
    /// The scaling scenario's largest store, about 10M events, added by <c>--10m</c>: seeding it takes about 45 minutes on
    /// two cores and 11 GB of disk for the template, as much again for the copy measured on (docs/benchmarks.md).
    /// </summary>
    public const int TenMillionEvents = 350_000;

    /// <summary>Every template the plan's scenarios measure on, smallest first (what <c>bench seed</c> prepares).</summary>
    public int[] Templates =>
    [
        .. new[] { CommandsCustomers, QueriesCustomers, VerifyCustomers, FeedCustomers, MarketingCustomers, RebuildCustomers }
            .Concat(ScalingCustomers).Concat(ModelCustomers).Distinct().Order(),
    ];

    public static readonly string[] Scenarios = ["commands", "queries", "bulk", "rebuild", "scaling", "models", "nodes", "audit", "feed", "marketing", "attribution", "start", "imports", "trips"];

    public static Plan Full { get; } = new(
        Quick: false,
        Concurrency: [1, 8, 32, 64],
        Warmup: TimeSpan.FromSeconds(2),
        Duration: TimeSpan.FromSeconds(10),
        Repeats: 3,
        CommandsCustomers: 3_500,
        QueryConcurrency: [8, 32],
        QueriesCustomers: 100_000,
        BulkCustomers: 10_000,
        ScalingCustomers: [350, 3_500, 35_000],
        ScalingConcurrency: 32,
        ModelCustomers: [10_000, 100_000],
        ModelsOnePerProcess: true,
        Nodes: [1, 2, 3],
        NodesConcurrency: 32,
        AuditConcurrency: [8, 32],
        VerifyCustomers: 35_000,
        FeedCustomers: 3_500,
        Deliveries: 500,
        MarketingCustomers: 100_000,
        MarketingRecipients: 5_000,
        ImportRows: [20_000, 100_000],
        RebuildCustomers: 35_000);

    public static Plan QuickRun { get; } = new(
        Quick: true,
        Concurrency: [1, 8],
        Warmup: TimeSpan.FromSeconds(0.5),
        Duration: TimeSpan.FromSeconds(2),
        Repeats: 1,
        CommandsCustomers: 1_000,
        QueryConcurrency: [8],
        QueriesCustomers: 1_000,
        BulkCustomers: 1_000,
        ScalingCustomers: [350, 1_000],
        ScalingConcurrency: 8,
        ModelCustomers: [1_000],
        ModelsOnePerProcess: false,
        Nodes: [1, 2],
        NodesConcurrency: 8,
        AuditConcurrency: [8],
        VerifyCustomers: 1_000,
        FeedCustomers: 1_000,
        Deliveries: 40,
        MarketingCustomers: 1_000,
        MarketingRecipients: 1_000,
        ImportRows: [2_000, 10_000],
        RebuildCustomers: 1_000);

    /// <summary>The demo seed of every template database: the same customers in every run.</summary>
    public const int Seed = 42;
}
