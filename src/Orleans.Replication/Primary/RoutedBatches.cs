using Orleans.Replication.Protocol;

namespace Orleans.Replication.Primary;

/// <summary>
/// The batches a primary routed through its replicas, until each replica told its client or the primary did.
/// </summary>
/// <remarks>
/// The replica that holds a batch's last entry tells the client itself, which the primary learns from that call's
/// answer. Otherwise the primary tells the client once the batch is committed: at once when no call carrying the route
/// is out, else when that call ends without the batch, or a heartbeat later at the latest. A client may hear of a batch
/// twice and keeps the first answer; both say the same.
/// </remarks>
internal sealed class RoutedBatches
{
    /// <summary>Most batches routed through replicas at once; beyond it the primary answers itself.</summary>
    public const int MaxCount = 4096;

    private readonly List<RoutedBatch> _batches = [];

    /// <summary>Batches routed now.</summary>
    public int Count => _batches.Count;

    public void Add(RoutedBatch batch) => _batches.Add(batch);

    public void Remove(RoutedBatch batch) => _batches.Remove(batch);

    /// <summary>
    /// The replica to acknowledge a batch: of the replicas in good standing, the one with the fewest calls out; null if
    /// none.
    /// </summary>
    public static ReplicaLink? PickReplica(ReplicaLink[] links, long nowTicks)
    {
        ReplicaLink? best = null;
        foreach (var link in links)
        {
            if (
                link.Failures == 0
                && !link.SnapshotInProgress
                && nowTicks >= link.RetryAtTicks
                && link.Incarnation != Guid.Empty
                && (best is null || link.InFlight < best.InFlight)
            )
            {
                best = link;
            }
        }

        return best;
    }

    /// <summary>
    /// The routes to send with a call to <paramref name="link"/> whose last entry is <paramref name="lastSent"/>.
    /// </summary>
    public AckRoute[]? Take(ReplicaLink link, long lastSent)
    {
        List<AckRoute>? taken = null;
        foreach (var routed in _batches)
        {
            if (
                routed.Link == link
                && !routed.Told
                && routed.CallsOut == 0
                && routed.Replies is null
                && routed.Route.LastIndex <= lastSent
            )
            {
                routed.CallsOut++;
                (taken ??= []).Add(routed.Route);
            }
        }

        return taken?.ToArray();
    }

    /// <summary>
    /// After a call to <paramref name="link"/> that carried <paramref name="routes"/> ended: the replica told the
    /// clients of the batches it holds by its answer (<paramref name="heldUpTo"/>, or -1 when the call failed), if the
    /// answer came from the activation each route names (<paramref name="incarnation"/>); the batches already committed
    /// whose client it did not tell are answered here.
    /// </summary>
    public void Settle(ReplicaLink link, AckRoute[] routes, long heldUpTo, Guid incarnation)
    {
        for (var i = _batches.Count - 1; i >= 0; i--)
        {
            var routed = _batches[i];
            if (routed.Link != link || Array.IndexOf(routes, routed.Route) < 0)
            {
                continue;
            }

            routed.CallsOut--;
            routed.Told |= heldUpTo >= routed.Route.LastIndex && incarnation == routed.Route.Incarnation;
            if (routed.Replies is { } replies)
            {
                _batches.RemoveAt(i);
                if (!routed.Told)
                {
                    Tell(routed.Route.Target, routed.Route.BatchId, replies);
                }
            }
        }
    }

    /// <summary>
    /// Answers the committed batches whose replica has not answered this primary since before
    /// <paramref name="committedBefore"/> (all by default).
    /// </summary>
    public void TellOverdue(long committedBefore = long.MaxValue)
    {
        for (var i = _batches.Count - 1; i >= 0; i--)
        {
            var routed = _batches[i];
            if (routed.Replies is { } replies && routed.CommittedTicks < committedBefore)
            {
                _batches.RemoveAt(i);
                Tell(routed.Route.Target, routed.Route.BatchId, replies);
            }
        }
    }

    /// <summary>
    /// Leadership ended: batches committed meanwhile are answered (they are committed); the others are answered by
    /// their writes' own replies.
    /// </summary>
    public void End()
    {
        TellOverdue();
        _batches.Clear();
    }

    /// <summary>Tells a client the primary's replies to its batch.</summary>
    public static void Tell(IWriteAcks acks, long batchId, WriteReply[] replies) =>
        acks.AnsweredAsync(batchId, replies).Ignore();
}

/// <summary>
/// A batch whose acknowledgement is routed through a replica: the replica tells the client once it holds the batch.
/// </summary>
internal sealed class RoutedBatch(ReplicaLink link, AckRoute route)
{
    /// <summary>The replica that is to tell the client.</summary>
    public ReplicaLink Link { get; } = link;

    /// <summary>Who to tell, and which entries the replica must hold first.</summary>
    public AckRoute Route { get; } = route;

    /// <summary>Calls out carrying the route.</summary>
    public int CallsOut { get; set; }

    /// <summary>A call's answer said the replica holds the batch: it told the client.</summary>
    public bool Told { get; set; }

    /// <summary>Set once the batch is committed while a call carrying the route is out.</summary>
    public WriteReply[]? Replies { get; set; }

    /// <summary>When <see cref="Replies"/> was set.</summary>
    public long CommittedTicks { get; set; }
}
