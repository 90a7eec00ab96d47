using Orleans.Replication.Protocol;

namespace Orleans.Replication.Storage;

/// <summary>A value and the log index of the write that set it.</summary>
internal readonly record struct StoredValue(byte[] Value, long Version);

/// <summary>The applied key-value state of a node, plus the newest unapplied write of each key.</summary>
/// <remarks>
/// <see cref="Apply"/> is called strictly in log order, for committed entries only; readers of the applied
/// state therefore never see a write a failover could lose. The pending overlay (<see cref="NotePending"/>)
/// is what a primary checks compare-and-set against: the newest write of a key in the log, committed or
/// not. Quorum reads only wait for it to be applied; they never report it.
/// </remarks>
internal sealed class KeyValueState
{
    private readonly Dictionary<string, StoredValue> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LogEntry> _pending = new(StringComparer.Ordinal);

    /// <summary>Index of the last applied entry.</summary>
    public long AppliedIndex { get; private set; }

    /// <summary>Keys in the applied state.</summary>
    public int Count => _values.Count;

    /// <summary>The applied value of <paramref name="key"/>.</summary>
    public bool TryGet(string key, out StoredValue value) => _values.TryGetValue(key, out value);

    /// <summary>The newest write of <paramref name="key"/> in the log or the state: (exists, version, value).</summary>
    public (bool Found, long Version, byte[]? Value) GetLatest(string key)
    {
        if (_pending.TryGetValue(key, out var entry))
        {
            return entry.Operation == LogOperation.Put ? (true, entry.Index, entry.Value) : (false, entry.Index, null);
        }

        return _values.TryGetValue(key, out var v) ? (true, v.Version, v.Value) : (false, 0, null);
    }

    /// <summary>
    /// Index of the newest unapplied write of <paramref name="key"/> in the log, or 0 when every write of it is
    /// applied.
    /// </summary>
    public long PendingIndex(string key) => _pending.TryGetValue(key, out var entry) ? entry.Index : 0;

    /// <summary>Records an appended, not yet applied entry as the newest write of its key.</summary>
    public void NotePending(LogEntry entry)
    {
        if (entry.Operation != LogOperation.Noop)
        {
            _pending[entry.Key] = entry;
        }
    }

    /// <summary>Rebuilds the pending overlay after the log's suffix was cut.</summary>
    public void ResetPending(IEnumerable<LogEntry> unapplied)
    {
        _pending.Clear();
        foreach (var e in unapplied)
        {
            NotePending(e);
        }
    }

    /// <summary>Applies the entry at <c>AppliedIndex + 1</c>.</summary>
    public void Apply(LogEntry entry)
    {
        if (entry.Index != AppliedIndex + 1)
        {
            throw new InvalidOperationException($"Entry {entry.Index} applied out of order after {AppliedIndex}.");
        }

        switch (entry.Operation)
        {
            case LogOperation.Put:
                _values[entry.Key] = new StoredValue(entry.Value ?? [], entry.Index);
                break;
            case LogOperation.Delete:
                _values.Remove(entry.Key);
                break;
        }

        if (
            entry.Operation != LogOperation.Noop
            && _pending.TryGetValue(entry.Key, out var p)
            && p.Index == entry.Index
        )
        {
            _pending.Remove(entry.Key);
        }

        AppliedIndex = entry.Index;
    }

    /// <summary>Copies the applied state for a snapshot.</summary>
    public SnapshotItem[] Snapshot()
    {
        var items = new SnapshotItem[_values.Count];
        var i = 0;
        foreach (var (key, v) in _values)
        {
            items[i++] = new SnapshotItem(key, v.Value, v.Version);
        }

        return items;
    }

    /// <summary>Replaces everything with a snapshot taken at <paramref name="appliedIndex"/>.</summary>
    public void Install(IEnumerable<SnapshotItem> items, long appliedIndex)
    {
        _values.Clear();
        _pending.Clear();
        foreach (var item in items)
        {
            _values[item.Key] = new StoredValue(item.Value, item.Version);
        }

        AppliedIndex = appliedIndex;
    }
}
