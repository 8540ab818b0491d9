using System.Globalization;

namespace EventCrm.Imports;

/// <summary>What the rows of one commit decided, and the batch's memory of the file so far.</summary>
public sealed class ImportContext(ImportBatch batch, CultureInfo culture)
{
    public ImportBatch Batch { get; } = batch;
    public CultureInfo Culture { get; } = culture;

    /// <summary>Every record seen, by content: an exact repeat is dropped.</summary>
    public Dictionary<string, int> Records { get; } = [];

    /// <summary>Every customer (by e-mail) or purchase (by content) a row has named: the first row counts.</summary>
    public Dictionary<string, int> Keys { get; } = [];
}
