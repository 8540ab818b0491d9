namespace EventCrm.Infrastructure.Storage;

/// <summary>
/// The PostgreSQL schemas the application keeps its data in. A leaf: everything may name these, and they
/// name nothing.
/// </summary>
public static class Schemas
{
    /// <summary>Marten's events and documents, and the contexts' own tables beside them.</summary>
    public const string Crm = "crm";

    /// <summary>Wolverine's inbox, outbox, nodes and dead letters.</summary>
    public const string Messaging = "wolverine";

    /// <summary>Hangfire's queues and job history.</summary>
    public const string Jobs = "hangfire";

    /// <summary>The sealed event log: a leaf per event, the Merkle tree's stored nodes, signed checkpoints, masking records.</summary>
    public const string Audit = "audit";
}
