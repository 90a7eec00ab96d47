using Orleans.Replication.Protocol;

namespace Orleans.Replication.Storage;

/// <summary>
/// The write ids a node has seen recently, with the log index each was given, so a retried write is applied once.
/// </summary>
/// <remarks>
/// Every node records the ids of the entries it appends, primary and replicas alike, so that a replica promoted
/// after a failover still recognises the retry of a write the old primary took. Ids are forgotten after
/// <c>retention</c> or beyond <c>capacity</c>, oldest first: a retry later than that is a new write.
/// </remarks>
internal sealed class WriteIdWindow(TimeSpan retention, int capacity)
{
    private readonly Dictionary<Guid, (long Index, long Ticks)> _indexes = [];
    private readonly Queue<(Guid Id, long Index, long Ticks)> _order = new();

    public int Count => _indexes.Count;

    public bool TryGet(Guid writeId, out long index)
    {
        var found = _indexes.TryGetValue(writeId, out var record);
        index = record.Index;
        return found;
    }

    public void Add(Guid writeId, long index, long nowTicks)
    {
        if (writeId == Guid.Empty)
        {
            return;
        }

        _indexes[writeId] = (index, nowTicks);
        _order.Enqueue((writeId, index, nowTicks));
        Expire(nowTicks);
    }

    /// <summary>Forgets the ids of entries at or after <paramref name="fromIndex"/> (cut from the log).</summary>
    public void RemoveFrom(long fromIndex, IEnumerable<LogEntry> removed)
    {
        foreach (var e in removed)
        {
            if (e.Index >= fromIndex && _indexes.TryGetValue(e.WriteId, out var r) && r.Index == e.Index)
            {
                _indexes.Remove(e.WriteId);
            }
        }
    }

    /// <summary>
    /// The ids given an index up to <paramref name="upToIndex"/>, oldest first, for a snapshot that covers those
    /// entries.
    /// </summary>
    public WriteIdRecord[] Snapshot(long upToIndex)
    {
        var records = new List<WriteIdRecord>(Math.Min(_indexes.Count, 1024));
        foreach (var (id, index, ticks) in _order)
        {
            if (index <= upToIndex && _indexes.TryGetValue(id, out var r) && r.Index == index && r.Ticks == ticks)
            {
                records.Add(new WriteIdRecord(id, index, ticks));
            }
        }

        return [.. records];
    }

    /// <summary>
    /// Remembers ids taken from a snapshot, in their order, as if this node had appended their entries.
    /// </summary>
    public void Restore(IEnumerable<WriteIdRecord> records, long nowTicks)
    {
        foreach (var r in records)
        {
            if (r.WriteId != Guid.Empty)
            {
                _indexes[r.WriteId] = (r.Index, r.Ticks);
                _order.Enqueue((r.WriteId, r.Index, r.Ticks));
            }
        }

        Expire(nowTicks);
    }

    public void Clear()
    {
        _indexes.Clear();
        _order.Clear();
    }

    private void Expire(long nowTicks)
    {
        var oldest = nowTicks - retention.Ticks;
        while (_order.TryPeek(out var head) && (head.Ticks < oldest || _order.Count > capacity))
        {
            _order.Dequeue();

            // Only the newest record of an id removes it: an id cut from the log and recorded again lives on.
            if (_indexes.TryGetValue(head.Id, out var r) && r.Index == head.Index && r.Ticks == head.Ticks)
            {
                _indexes.Remove(head.Id);
            }
        }
    }
}
