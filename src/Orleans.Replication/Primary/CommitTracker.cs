namespace Orleans.Replication.Primary;

/// <summary>A write waiting for its concern on the primary.</summary>
internal sealed class PendingWrite(long index, int requiredReplicas)
{
    public long Index { get; } = index;

    public int RequiredReplicas { get; } = requiredReplicas;

    public TaskCompletionSource Acknowledged { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>Decides, from what each replica holds, the commit index and which pending writes are acknowledged.</summary>
/// <remarks>
/// Every concern reduces to a number r of replicas that must hold the write: k for <c>WaitForReplicas(k)</c>,
/// ⌊N/2⌋ for <c>Majority</c> (with the primary that makes a majority of N), N−1 for <c>All</c>. A write of
/// index i is acknowledged once the r-th highest replica match index is at least i. Writes are kept in one
/// FIFO queue per r, so each update costs one sort of at most six numbers plus the writes it acknowledges.
/// The commit index is the ⌊N/2⌋-th highest match (the majority point), but only an entry of the current
/// epoch is committed by counting (Raft's rule); earlier entries commit with it.
/// </remarks>
internal sealed class CommitTracker
{
    private readonly Queue<PendingWrite>[] _queues;
    private readonly long[] _sorted;
    private int _pendingCount;

    public CommitTracker(int nodeCount)
    {
        ReplicationLimits.ValidateNodeCount(nodeCount);
        NodeCount = nodeCount;
        _queues = new Queue<PendingWrite>[nodeCount];
        for (var r = 0; r < nodeCount; r++)
        {
            _queues[r] = new Queue<PendingWrite>();
        }

        _sorted = new long[nodeCount - 1];
    }

    public int NodeCount { get; }

    /// <summary>Replicas a majority needs besides the primary.</summary>
    public int MajorityReplicas => NodeCount / 2;

    /// <summary>Writes still waiting.</summary>
    public int PendingCount => _pendingCount;

    /// <summary>Queues a write; it is acknowledged by a later <see cref="Update"/> (or at once when r is 0).</summary>
    public PendingWrite Track(long index, int requiredReplicas)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(requiredReplicas);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(requiredReplicas, NodeCount - 1);
        var pending = new PendingWrite(index, requiredReplicas);
        if (requiredReplicas == 0)
        {
            pending.Acknowledged.TrySetResult();
        }
        else
        {
            _queues[requiredReplicas].Enqueue(pending);
            _pendingCount++;
        }

        return pending;
    }

    /// <summary>
    /// Recomputes from the replicas' match indexes. Returns the new majority point, acknowledging the writes
    /// whose concern now holds.
    /// </summary>
    /// <param name="matchIndexes">Match index of every replica (N−1 values).</param>
    public long Update(ReadOnlySpan<long> matchIndexes)
    {
        if (matchIndexes.Length != _sorted.Length)
        {
            throw new ArgumentException($"Expected {_sorted.Length} replica match indexes, got {matchIndexes.Length}.", nameof(matchIndexes));
        }

        matchIndexes.CopyTo(_sorted);
        Array.Sort(_sorted);

        for (var r = 1; r < _queues.Length; r++)
        {
            var queue = _queues[r];
            if (queue.Count == 0)
            {
                continue;
            }

            var heldByR = KthHighest(r);
            while (queue.TryPeek(out var head) && head.Index <= heldByR)
            {
                queue.Dequeue();
                _pendingCount--;
                head.Acknowledged.TrySetResult();
            }
        }

        return MajorityReplicas == 0 ? long.MaxValue : KthHighest(MajorityReplicas);
    }

    /// <summary>How many replicas hold <paramref name="index"/>, from the last <see cref="Update"/>.</summary>
    public int CountHolding(long index)
    {
        var n = 0;
        foreach (var m in _sorted)
        {
            if (m >= index)
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>Fails every pending write (the primary stepped down); their waiters decide what to report.</summary>
    public void AbandonAll(Exception reason)
    {
        foreach (var queue in _queues)
        {
            while (queue.TryDequeue(out var p))
            {
                p.Acknowledged.TrySetException(reason);
            }
        }

        _pendingCount = 0;
    }

    private long KthHighest(int k) => _sorted[^k];
}
