using Orleans.Replication.Protocol;

namespace Orleans.Replication.Storage;

/// <summary>
/// The entries of a node's replication log, indexes <c>(BaseIndex, LastIndex]</c>, in a growable ring.
/// </summary>
/// <remarks>
/// Entries at or below <see cref="BaseIndex"/> have been compacted away: they are reflected in the applied state
/// (or in a snapshot that replaced it). <see cref="BaseEpoch"/> keeps the epoch of the entry at
/// <see cref="BaseIndex"/>, so the log-matching check still works for a batch that starts just after it.
/// Indexes are contiguous: <see cref="Append"/> takes only <c>LastIndex + 1</c>. Not thread-safe; a grain owns it.
/// </remarks>
internal sealed class ReplicationLog
{
    private LogEntry[] _ring = new LogEntry[64];
    private int _head;
    private int _count;

    /// <summary>Index of the last compacted entry (0 for a log that never compacted).</summary>
    public long BaseIndex { get; private set; }

    /// <summary>Epoch of the entry at <see cref="BaseIndex"/> (0 when none).</summary>
    public long BaseEpoch { get; private set; }

    /// <summary>Entries held.</summary>
    public int Count => _count;

    /// <summary>Index of the first entry held, or <c>LastIndex + 1</c> when empty.</summary>
    public long FirstIndex => BaseIndex + 1;

    /// <summary>Index of the last entry (BaseIndex when empty).</summary>
    public long LastIndex => BaseIndex + _count;

    /// <summary>Epoch of the last entry (BaseEpoch when empty).</summary>
    public long LastEpoch => _count == 0 ? BaseEpoch : At(_count - 1).Epoch;

    /// <summary>The entry at <paramref name="index"/>, which must be held.</summary>
    public LogEntry this[long index]
    {
        get
        {
            if (index <= BaseIndex || index > LastIndex)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(index),
                    index,
                    $"The log holds ({BaseIndex}, {LastIndex}]."
                );
            }

            return At((int)(index - BaseIndex - 1));
        }
    }

    /// <summary>
    /// The epoch of the entry at <paramref name="index"/>, including <see cref="BaseIndex"/>; false when not known.
    /// </summary>
    public bool TryGetEpoch(long index, out long epoch)
    {
        if (index == BaseIndex)
        {
            epoch = BaseEpoch;
            return true;
        }

        if (index > BaseIndex && index <= LastIndex)
        {
            epoch = this[index].Epoch;
            return true;
        }

        epoch = 0;
        return false;
    }

    /// <summary>Appends <paramref name="entry"/>, whose index must be <c>LastIndex + 1</c>.</summary>
    public void Append(LogEntry entry)
    {
        if (entry.Index != LastIndex + 1)
        {
            throw new InvalidOperationException($"Entry {entry.Index} does not follow the last index {LastIndex}.");
        }

        if (_count == _ring.Length)
        {
            Grow();
        }

        _ring[(_head + _count) % _ring.Length] = entry;
        _count++;
    }

    /// <summary>Copies up to <paramref name="max"/> entries starting at <paramref name="fromIndex"/>.</summary>
    public LogEntry[] Slice(long fromIndex, int max)
    {
        if (fromIndex <= BaseIndex)
        {
            throw new ArgumentOutOfRangeException(
                nameof(fromIndex),
                fromIndex,
                $"Entries up to {BaseIndex} were compacted."
            );
        }

        var available = LastIndex - fromIndex + 1;
        if (available <= 0 || max <= 0)
        {
            return [];
        }

        var n = (int)Math.Min(available, max);
        var result = new LogEntry[n];
        var offset = (int)(fromIndex - BaseIndex - 1);
        for (var i = 0; i < n; i++)
        {
            result[i] = At(offset + i);
        }

        return result;
    }

    /// <summary>Removes the entries at and after <paramref name="fromIndex"/> (a suffix a new primary does not
    /// have).</summary>
    /// <returns>The removed entries, oldest first.</returns>
    public LogEntry[] TruncateSuffix(long fromIndex)
    {
        if (fromIndex <= BaseIndex)
        {
            throw new InvalidOperationException(
                $"Cannot cut the log at {fromIndex}: entries up to {BaseIndex} are compacted, hence committed."
            );
        }

        if (fromIndex > LastIndex)
        {
            return [];
        }

        var removed = Slice(fromIndex, int.MaxValue);
        var keep = (int)(fromIndex - BaseIndex - 1);
        for (var i = keep; i < _count; i++)
        {
            _ring[(_head + i) % _ring.Length] = null!;
        }

        _count = keep;
        return removed;
    }

    /// <summary>Drops the entries up to and including <paramref name="throughIndex"/>, which must be held or be
    /// <see cref="BaseIndex"/>.</summary>
    /// <returns>The dropped entries, oldest first.</returns>
    public LogEntry[] CompactPrefix(long throughIndex)
    {
        if (throughIndex <= BaseIndex)
        {
            return [];
        }

        if (throughIndex > LastIndex)
        {
            throw new ArgumentOutOfRangeException(nameof(throughIndex), throughIndex, $"The log ends at {LastIndex}.");
        }

        var n = (int)(throughIndex - BaseIndex);
        var dropped = new LogEntry[n];
        for (var i = 0; i < n; i++)
        {
            dropped[i] = At(i);
            _ring[(_head + i) % _ring.Length] = null!;
        }

        BaseEpoch = dropped[^1].Epoch;
        BaseIndex = throughIndex;
        _head = (_head + n) % _ring.Length;
        _count -= n;
        return dropped;
    }

    /// <summary>
    /// Empties the log and makes <paramref name="baseIndex"/> (of <paramref name="baseEpoch"/>) its base, after a
    /// snapshot is installed.
    /// </summary>
    public void Reset(long baseIndex, long baseEpoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(baseIndex);
        Array.Clear(_ring);
        _head = 0;
        _count = 0;
        BaseIndex = baseIndex;
        BaseEpoch = baseEpoch;
    }

    private LogEntry At(int offset) => _ring[(_head + offset) % _ring.Length];

    private void Grow()
    {
        var bigger = new LogEntry[_ring.Length * 2];
        for (var i = 0; i < _count; i++)
        {
            bigger[i] = At(i);
        }

        _ring = bigger;
        _head = 0;
    }
}
