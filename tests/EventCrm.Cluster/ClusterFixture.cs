using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using EventCrm.Infrastructure.Security;
using Npgsql;

namespace EventCrm.Cluster;

/// <summary>
/// Three nodes of the published application behind nginx, on a database of their own in the throwaway PostgreSQL
/// that <c>build/crm test</c> starts. The nodes get <c>docker/node.env</c>, as compose gives its nodes, plus the
/// settings below that make failures show within seconds (durability timeouts, job polling) and give the
/// scenarios short schedules and promises.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const int NodeCount = 3;
    public const string SigningKey = "cluster-tests-signing-key-0123456789abcdef";
    public const string Database = "eventcrm_cluster";
    public const int WebFormLeadsPerMinute = 10;
    public const string RecurringJob = "scan-duplicate-customers";
    public static readonly TimeSpan RecurringEvery = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan UrgentFirstResponse = TimeSpan.FromSeconds(8);
    public static readonly TimeSpan StaleNodeTimeout = TimeSpan.FromSeconds(4);

    /// <summary>What the cluster tests change, on top of docker/node.env.</summary>
    private static Dictionary<string, string> TestSettings(string connectionString) => new()
    {
        ["ConnectionStrings__Postgres"] = connectionString,
        ["Auth__SigningKey"] = SigningKey,
        // A node that stops answering is given up after 4 s, checked every second (production: 1 min / 10 s).
        ["Wolverine__StaleNodeTimeout"] = StaleNodeTimeout.ToString(),
        ["Wolverine__HealthCheckPollingTime"] = "00:00:01",
        // A job whose node died is handed on after 5 s; idle workers and the scheduler look every second.
        ["Jobs__InvisibilityTimeout"] = "00:00:05",
        ["Jobs__QueuePollInterval"] = "00:00:01",
        ["Jobs__DistributedLockTimeout"] = "00:00:05",
        ["Jobs__SchedulePollingInterval"] = "00:00:01",
        ["Jobs__WorkerCount"] = "2",
        [$"Jobs__ScanDuplicatesCron"] = $"*/{RecurringEvery.TotalSeconds} * * * * *",
        // Every file import runs as a background job.
        ["Imports__InlineMaxBytes"] = "1024",
        ["Service__Targets__Urgent__FirstResponse"] = UrgentFirstResponse.ToString(),
        ["Sales__WebFormLeadsPerMinute"] = WebFormLeadsPerMinute.ToString(),
        ["Observability__SampleInterval"] = "00:00:02",
        ["Serilog__MinimumLevel__Default"] = "Warning",
    };

    private readonly List<Node> _nodes = [];
    private Balancer? _balancer;

    public IReadOnlyList<Node> Nodes => _nodes;
    public Uri Balancer => _balancer!.Address;
    public NpgsqlDataSource Db { get; private set; } = null!;
    public string ResultsDirectory { get; } = Path.Combine(
        Environment.GetEnvironmentVariable("CRM_TEST_RESULTS") is { Length: > 0 } results ? results : Path.GetTempPath(), "cluster");

    public static string RepositoryRoot { get; } = FindRoot();

    public async Task InitializeAsync()
    {
        var application = Environment.GetEnvironmentVariable("ConnectionStrings__Postgres");
        var admin = Environment.GetEnvironmentVariable("CRM_TEST_ADMIN");
        if (string.IsNullOrWhiteSpace(application) || string.IsNullOrWhiteSpace(admin))
            throw new InvalidOperationException("The cluster tests need the throwaway PostgreSQL of ./build/crm test (ConnectionStrings__Postgres, CRM_TEST_ADMIN).");

        // As build/crm nodes up does: the owner applies the schema, the nodes connect as the application's role.
        await Databases.CreateWithSchema(Database);
        var connectionString = Databases.Application(Database);
        Db = NpgsqlDataSource.Create(connectionString);

        Directory.CreateDirectory(ResultsDirectory);
        var settings = ReadNodeEnv(Path.Combine(RepositoryRoot, "docker", "node.env"));
        foreach (var (name, value) in TestSettings(connectionString)) settings[name] = value;

        var ports = Ports(NodeCount + 1);
        for (var i = 0; i < NodeCount; i++) _nodes.Add(new Node(i + 1, ports[i + 1], settings, ResultsDirectory));
        // The first node starts alone, the others together after it, as build/crm nodes up does.
        var started = Stopwatch.StartNew();
        await _nodes[0].Start();
        await Task.WhenAll(_nodes.Skip(1).Select(node => node.Start()));
        Log($"{NodeCount} nodes ready in {started.Elapsed.TotalSeconds:0.0} s");

        _balancer = new Balancer(Path.Combine(ResultsDirectory, "nginx"), ports[0]);
        await _balancer.Start(await File.ReadAllTextAsync(Path.Combine(RepositoryRoot, "docker", "nginx.conf")), _nodes.Select(n => n.Address.Port));
    }

    public async Task DisposeAsync()
    {
        if (_balancer is not null) await _balancer.DisposeAsync();
        await Task.WhenAll(_nodes.Select(node => node.Stop()));
        await Db.DisposeAsync();
    }

    private readonly List<Task> _restarts = [];

    /// <summary>Starts a killed node again in the background (a new process, a new Wolverine node), once its scenario has measured what it came for.</summary>
    public void Restart(Node node)
    {
        lock (_restarts) _restarts.Add(node.Start());
    }

    /// <summary>Starts again every node an earlier scenario killed, so that each scenario begins with three.</summary>
    public async Task EnsureAllRunning()
    {
        Task[] pending;
        lock (_restarts)
        {
            pending = [.. _restarts];
            _restarts.Clear();
        }
        await Task.WhenAll(pending);
        var stopped = _nodes.Where(node => !node.Running).ToList();
        await Task.WhenAll(stopped.Select(node => node.Start()));
        if (stopped.Count + pending.Length > 0)
            // Until the others have seen it, the restarted node gets no agents: wait for Wolverine to know all three.
            await Eventually(async () => (await Scalar<long>("select count(*) from wolverine.wolverine_nodes")) == NodeCount,
                TimeSpan.FromSeconds(30), "the restarted nodes to join the cluster");
    }

    /// <summary>The nodes running and ready now.</summary>
    public IEnumerable<Node> Living => _nodes.Where(node => node.Ready);

    /// <summary>
    /// For a scenario that kills no node: at least <paramref name="count"/> ready nodes, without waiting for the
    /// others to finish restarting.
    /// </summary>
    public async Task<IReadOnlyList<Node>> AtLeast(int count)
    {
        await Eventually(() => Task.FromResult(Living.Count() >= count), TimeSpan.FromMinutes(5), $"{count} ready nodes");
        return Living.ToList();
    }

    public HttpClient Client(Uri address, string role, string user = "cluster")
    {
        var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(user, role));
        return client;
    }

    public static string Token(string user, params string[] roles) =>
        DevelopmentTokens.Mint(new AuthOptions { SigningKey = SigningKey }, user, roles, DateTimeOffset.UtcNow);

    public sealed record NodeStatus(Guid NodeId, int NodeNumber, bool Leader, string[] Agents, int ProcessId);

    /// <summary>What each living node says it runs (GET /api/admin/node).</summary>
    public async Task<IReadOnlyList<(Node Node, NodeStatus Status)>> Statuses()
    {
        var answers = await Task.WhenAll(Living.Select(async node =>
        {
            using var client = Client(node.Address, Roles.Admin);
            return (node, (await client.GetFromJsonAsync<NodeStatus>("/api/admin/node"))!);
        }));
        return answers;
    }

    /// <summary>The living node that runs the agent whose URI contains <paramref name="agent"/>, once exactly one does.</summary>
    public async Task<Node> OwnerOf(string agent, TimeSpan within)
    {
        Node? owner = null;
        await Eventually(async () =>
        {
            var running = (await Statuses()).Where(s => s.Status.Agents.Any(a => a.Contains(agent, StringComparison.OrdinalIgnoreCase))).ToList();
            owner = running.Count == 1 ? running[0].Node : null;
            return owner is not null;
        }, within, $"one node to run {agent}");
        return owner!;
    }

    public async Task<T> Scalar<T>(string sql, params object[] parameters)
    {
        await using var command = Db.CreateCommand(sql);
        foreach (var parameter in parameters) command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task<List<T>> Rows<T>(string sql, Func<NpgsqlDataReader, T> read, params object[] parameters)
    {
        await using var command = Db.CreateCommand(sql);
        foreach (var parameter in parameters) command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync()) rows.Add(read(reader));
        return rows;
    }

    public static async Task Eventually(Func<Task<bool>> condition, TimeSpan within, string what, TimeSpan? every = null)
    {
        var deadline = DateTime.UtcNow + within;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition()) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or NpgsqlException { IsTransient: true })
            {
                last = e; // a node that is going away, say
            }
            await Task.Delay(every ?? TimeSpan.FromMilliseconds(200));
        }
        throw new TimeoutException($"Waited {within.TotalSeconds:0} s for {what}.", last);
    }

    public void Log(string line)
    {
        lock (this) File.AppendAllText(Path.Combine(ResultsDirectory, "scenarios.log"), $"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {line}\n");
    }

    /// <summary>KEY=VALUE lines; # starts a comment.</summary>
    private static Dictionary<string, string> ReadNodeEnv(string path) =>
        File.ReadAllLines(path)
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1]);

    /// <summary>
    /// Consecutive free loopback ports: from CRM_CLUSTER_PORT on when it is set, else a free run below the system's
    /// ephemeral range (32768 and up on Linux), where no outgoing connection (the nodes open hundreds to
    /// PostgreSQL) can take a port while a killed node is restarted on it.
    /// </summary>
    private static int[] Ports(int count)
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("CRM_CLUSTER_PORT"), out var first))
            return Enumerable.Range(first, count).ToArray();
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var start = Random.Shared.Next(20_000, 32_000);
            var ports = Enumerable.Range(start, count).ToArray();
            if (ports.All(Free)) return ports;
        }
        throw new InvalidOperationException("No run of free ports was found between 20000 and 32000.");
    }

    private static bool Free(int port)
    {
        try
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "EventCrm.sln"))) return directory.FullName;
        throw new InvalidOperationException("The repository (EventCrm.sln) was not found above the test assembly.");
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
