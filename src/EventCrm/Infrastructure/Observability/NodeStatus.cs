using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Wolverine.Http;
using Wolverine.Runtime;
using Wolverine.Runtime.Agents;

namespace EventCrm.Infrastructure.Observability;

/// <summary>
/// This node as the cluster knows it: its Wolverine node id and number, whether it leads, the agents it runs
/// (asynchronous projections and subscriptions among them), and its process id (Hangfire names its job server
/// after the host and the process: <c>host:pid:...</c>).
/// </summary>
public sealed record NodeStatus(Guid NodeId, int NodeNumber, bool Leader, IReadOnlyList<string> Agents, int ProcessId, string Machine);

public static class NodeStatusEndpoint
{
    [WolverineGet("/api/admin/node", OperationId = "GetNodeStatus", Summary = "The node that answers: its id, number, leadership and agents")]
    [Authorize(Policy = Policies.Admin)]
    [Tags("Admin")]
    public static NodeStatus Get(IWolverineRuntime runtime)
    {
        var agents = runtime.Agents.AllRunningAgentUris();
        return new NodeStatus(runtime.Options.UniqueNodeId, runtime.Options.Durability.AssignedNodeNumber,
            agents.Contains(NodeAgentController.LeaderUri),
            agents.Where(agent => agent != NodeAgentController.LeaderUri).Select(agent => agent.ToString()).Order(StringComparer.Ordinal).ToList(),
            Environment.ProcessId, Environment.MachineName);
    }
}
