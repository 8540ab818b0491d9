namespace EventCrm.Audit;

/// <summary>How the event log is sealed and signed, and how reads of personal data are logged (section <c>Audit</c>).</summary>
public sealed class AuditRules
{
    public const string Section = "Audit";

    /// <summary>The log's name, the first line of every checkpoint: a checkpoint of one log never verifies for another.</summary>
    public string Origin { get; set; } = "eventcrm";

    /// <summary>Seal events as they are appended (false only to measure what sealing costs).</summary>
    public bool Seal { get; set; } = true;

    public CheckpointRules Checkpoints { get; set; } = new();

    public SigningRules Signing { get; set; } = new();

    public AccessLogRules AccessLog { get; set; } = new();
}

public sealed class CheckpointRules
{
    /// <summary>A checkpoint is signed once this many events were sealed since the last one...</summary>
    public int Every { get; set; } = 1000;

    /// <summary>...or once the last one is this old and events were sealed since.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often each node looks whether a checkpoint is due.</summary>
    public TimeSpan Poll { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// The checkpoints' signing key, from configuration (never from the database): the active private key as PEM
/// (<c>Key</c>, say from a secret store) or a PEM file (<c>KeyFile</c>), ECDSA P-256; and the public keys (PEM, or
/// files) of earlier keys, so that checkpoints they signed still verify after a rotation.
/// </summary>
public sealed class SigningRules
{
    public string? Key { get; set; }

    public string? KeyFile { get; set; }

    public List<string> PublicKeys { get; set; } = [];
}

public sealed class AccessLogRules
{
    /// <summary>Record who read personal data (false only to measure what the log costs).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Reads are written in batches at most this far apart (and when a batch is full).</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    public int BatchSize { get; set; } = 500;
}
