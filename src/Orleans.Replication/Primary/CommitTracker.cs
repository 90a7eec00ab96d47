using Orleans.Replication.Protocol;

namespace Orleans.Replication.Primary;

/// <summary>A write waiting for its concern on the primary.</summary>
/// <remarks>The grain returns <see cref="Reply"/>'s task to Orleans as is, so an acknowledgement costs no extra turn on
/// the grain.</remarks>
internal sealed class PendingWrite(long index, int requiredReplicas, long deadlineTicks, WriteReply acknowledged)
{
    private readonly TaskCompletionSource<WriteReply> _reply = new();

    public long Index { get; } = index;

    public int RequiredReplicas { get; } = requiredReplicas;

    /// <summary>UTC ticks after which the write is answered with what is known.</summary>
    public long DeadlineTicks { get; } = deadlineTicks;

    /// <summary>The answer the write gets once its concern holds.</summary>
    public WriteReply Acknowledged { get; } = acknowledged;

    /// <summary>Completes with the write's answer: acknowledged, timed out, or stepped down.</summary>
    public Task<WriteReply> Reply => _reply.Task;

    public bool IsDone => _reply.Task.IsCompleted;

    public void Complete(WriteReply reply) => _reply.TrySetResult(reply);
}

/// <summary>
/// Decides, from what each replica holds, the commit index and which pending writes are acknowledged.
/// </summary>
/// <remarks>
/// Every concern reduces to a number r of replicas that must hold the write: k for <c>WaitForReplicas(k)</c>,
/// ⌊N/2⌋ for <c>Majority</c> (with the primary that makes a majority of N), N−1 for <c>All</c>. A write of
/// index i is acknowledged once r + 1 copies hold it: the (r+1)-th highest of the N positions (the replicas' match
/// indexes and the primary's own, which is its durable index when it keeps a log on disk) is at least i; with a
/// log on disk a write needing no replica is acknowledged once any one copy is on disk.
/// Writes are kept in one
/// FIFO queue per r, so each update costs one sort of at most six numbers plus the writes it acknowledges.
/// The commit index is the ⌊N/2⌋-th highest match (the majority point), but only an entry of the current
/// epoch is committed by counting (Raft's rule); earlier entries commit with it. Not thread-safe: one grain owns it.
/// </remarks>
internal sealed class CommitTracker
{
    private readonly Queue<PendingWrite>[] _queues;
    private readonly long[] _sorted;
    private readonly long[] _replicas;

    /// <param name="nodeCount">The group's size.</param>
    /// <param name="ownIndex">What the primary holds until the first <see cref="Update"/>: by default
    /// everything.</param>
    public CommitTracker(int nodeCount, long ownIndex = long.MaxValue)
    {
        ReplicationLimits.ValidateNodeCount(nodeCount);
        NodeCount = nodeCount;
        _queues = new Queue<PendingWrite>[nodeCount];
        for (var r = 0; r < nodeCount; r++)
        {
            _queues[r] = new Queue<PendingWrite>();
        }

        _sorted = new long[nodeCount];
        _replicas = new long[nodeCount - 1];
        _sorted[^1] = ownIndex;
    }

    public int NodeCount { get; }

    /// <summary>Replicas a majority needs besides the primary.</summary>
    public int MajorityReplicas => NodeCount / 2;

    /// <summary>Writes queued and not yet answered or dropped.</summary>
    public int PendingCount
    {
        get
        {
            var n = 0;
            foreach (var q in _queues)
            {
                n += q.Count;
            }

            return n;
        }
    }

    /// <summary>
    /// Queues a write; it is acknowledged by a later <see cref="Update"/> (or at once when its concern needs no
    /// replica).
    /// </summary>
    public PendingWrite Track(long index, int requiredReplicas, long deadlineTicks, WriteReply acknowledged)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(requiredReplicas);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(requiredReplicas, NodeCount - 1);
        var pending = new PendingWrite(index, requiredReplicas, deadlineTicks, acknowledged);
        if (index <= KthHighest(requiredReplicas))
        {
            pending.Complete(acknowledged);
        }
        else
        {
            _queues[requiredReplicas].Enqueue(pending);
        }

        return pending;
    }

    /// <summary>
    /// Recomputes from the replicas' match indexes. Returns the new majority point, acknowledging the writes
    /// whose concern now holds.
    /// </summary>
    /// <param name="matchIndexes">Match index of every replica (N−1 values).</param>
    /// <param name="ownIndex">What the primary itself holds: by default everything.</param>
    public long Update(ReadOnlySpan<long> matchIndexes, long ownIndex = long.MaxValue)
    {
        if (matchIndexes.Length != _replicas.Length)
        {
            throw new ArgumentException(
                $"Expected {_replicas.Length} replica match indexes, got {matchIndexes.Length}.",
                nameof(matchIndexes)
            );
        }

        matchIndexes.CopyTo(_replicas);
        matchIndexes.CopyTo(_sorted);
        _sorted[^1] = ownIndex;
        Array.Sort(_sorted);

        for (var r = 0; r < _queues.Length; r++)
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
                head.Complete(head.Acknowledged);
            }
        }

        return KthHighest(MajorityReplicas);
    }

    /// <summary>How many replicas hold <paramref name="index"/>, from the last <see cref="Update"/>.</summary>
    public int CountHolding(long index)
    {
        var n = 0;
        foreach (var m in _replicas)
        {
            if (m >= index)
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>
    /// Answers every write whose deadline has passed with <paramref name="timedOut"/>; the write may still commit
    /// later.
    /// </summary>
    public void ExpireOverdue(long nowTicks, Func<PendingWrite, WriteReply> timedOut)
    {
        foreach (var queue in _queues)
        {
            foreach (var p in queue)
            {
                if (!p.IsDone && p.DeadlineTicks <= nowTicks)
                {
                    p.Complete(timedOut(p));
                }
            }

            // Answered writes at the head need no further tracking.
            while (queue.TryPeek(out var head) && head.IsDone)
            {
                queue.Dequeue();
            }
        }
    }

    /// <summary>Answers every pending write with <paramref name="reply"/> (the primary stepped down).</summary>
    public void AbandonAll(Func<PendingWrite, WriteReply> reply)
    {
        foreach (var queue in _queues)
        {
            while (queue.TryDequeue(out var p))
            {
                p.Complete(reply(p));
            }
        }
    }

    /// <summary>The position <paramref name="k"/> replicas and the primary all hold: the (k+1)-th highest.</summary>
    private long KthHighest(int k) => _sorted[^(k + 1)];
}
