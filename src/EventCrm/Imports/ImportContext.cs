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

    /// <summary>What the slice being decided added to <see cref="Records"/> and <see cref="Keys"/>, to forget if it is decided again.</summary>
    private readonly List<(Dictionary<string, int> Memory, string Key)> _slice = [];

    /// <summary>Remembers a record for the slice being decided; false when an earlier row had the same content.</summary>
    public bool AddRecord(string fingerprint, int row) => Add(Records, fingerprint, row);

    /// <summary>Remembers a key for the slice being decided; false when an earlier row named the same.</summary>
    public bool AddKey(string key, int row) => Add(Keys, key, row);

    private bool Add(Dictionary<string, int> memory, string key, int row)
    {
        if (!memory.TryAdd(key, row)) return false;
        _slice.Add((memory, key));
        return true;
    }

    /// <summary>The slice committed: what it added stays.</summary>
    public void Keep() => _slice.Clear();

    /// <summary>
    /// The slice did not commit and is decided again: what it added is forgotten, so that it starts from the same
    /// memory (only the slice's own additions are undone, never a copy of the whole file's memory per slice).
    /// </summary>
    public void Forget()
    {
        foreach (var (memory, key) in _slice) memory.Remove(key);
        _slice.Clear();
    }
}
