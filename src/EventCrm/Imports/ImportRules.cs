namespace EventCrm.Imports;

/// <summary>The imports' limits (section <c>Imports</c>).</summary>
public sealed class ImportRules
{
    public const string Section = "Imports";

    /// <summary>The largest file taken (a 100,000-row customer file is about 10 MB).</summary>
    public const long MaxFileBytes = 256L * 1024 * 1024;

    /// <summary>Files up to this size are imported during the request (201); larger ones by a background job (202).</summary>
    public long InlineMaxBytes { get; set; } = 512 * 1024;

    /// <summary>Reverts of up to this many rows run during the request; more by a background job.</summary>
    public int InlineRevertRows { get; set; } = 2_000;

    /// <summary>The culture of numbers and dates when an import does not name one.</summary>
    public string DefaultCulture { get; set; } = "en-US";
}
