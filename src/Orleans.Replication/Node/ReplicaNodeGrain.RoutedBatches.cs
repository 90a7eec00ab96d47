using Orleans.Replication.Primary;
using Orleans.Replication.Protocol;

namespace Orleans.Replication.Node;

/// <summary>
/// Batches a replica acknowledges: the client hears from the replica that holds its writes, not from the primary (see
/// <see cref="RoutedBatches"/>).
/// </summary>
/// <remarks>
/// A write that needs one replica is acknowledged once the primary and that replica hold it. When the primary answers,
/// the answer crosses between processes four times (client, primary, replica, primary, client); when the replica that
/// holds the batch tells the client itself, three. So a batch submitted with <see cref="SubmitAsync"/> names one
/// replica in good standing (the one with the fewest calls out), and the replication call that carries the batch's
/// last entry to it carries an <see cref="AckRoute"/>: the replica tells the client as soon as it holds the batch.
/// <para>
/// The primary knows the replica told the client when that call's answer says the replica holds the batch. Otherwise
/// it answers itself, through the same receiver, once the batch is committed: at once when the route's call is not out,
/// else when that call ends without the batch, or a heartbeat later at the latest. It also answers every batch the
/// replica cannot: one with a write that needs another concern, a compare-and-set, a retry or an invalid write. A
/// client may hear of a batch twice and keeps the first answer; both say the same.
/// </para>
/// </remarks>
internal sealed partial class ReplicaNodeGrain
{
    public Task SubmitAsync(WriteCommand[] commands, IWriteAcks acks, long batchId)
    {
        ArgumentNullException.ThrowIfNull(commands);
        ArgumentNullException.ThrowIfNull(acks);
        var appendedFrom = _log.LastIndex;
        var now = NowTicks;
        var replies = AcceptAll(commands, now);
        var primary = _primary;
        // With a log on disk the primary answers: a replica holding the batch does not know whether the primary's copy
        // is on disk yet.
        var byReplica = primary is not null && _disk is null;
        for (var i = 0; byReplica && i < commands.Length; i++)
        {
            // Only a fresh write is still waiting here (a refused or known one is answered at once), so its concern is
            // valid.
            byReplica =
                !replies[i].IsCompleted
                && commands[i].ExpectedVersion is null
                && commands[i].Concern.RequiredReplicas(_nodeCount) == 1;
        }

        RoutedBatch? routed = null;
        if (
            byReplica
            && _log.LastIndex - appendedFrom == commands.Length
            && primary!.RoutedBatches.Count < RoutedBatches.MaxCount
            && RoutedBatches.PickReplica(primary.Links, now) is { } link
        )
        {
            routed = new RoutedBatch(
                link,
                new AckRoute(acks, batchId, appendedFrom + 1, _log.LastIndex, link.Incarnation)
            );
            primary.RoutedBatches.Add(routed);
        }

        Appended(appendedFrom);

        // Inline in the turn that answers the last write (on this grain's scheduler either way): no turn of its own.
        Task.WhenAll(replies)
            .ContinueWith(
                static (all, state) =>
                {
                    var (node, acks, batchId, routed) = ((ReplicaNodeGrain, IWriteAcks, long, RoutedBatch?))state!;
                    node.OnBatchReplies(all.Result, acks, batchId, routed);
                },
                (this, acks, batchId, routed),
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously | TaskContinuationOptions.OnlyOnRanToCompletion,
                TaskScheduler.Current
            );
        return Task.CompletedTask;
    }

    /// <summary>
    /// Once the batch's writes have their replies here: tells the client, unless its replica did or may yet.
    /// </summary>
    private void OnBatchReplies(WriteReply[] replies, IWriteAcks acks, long batchId, RoutedBatch? routed)
    {
        if (routed is not null)
        {
            var allOk = Array.TrueForAll(replies, static r => r.Status == WriteStatus.Ok);
            if (routed.Told && allOk)
            {
                _primary?.RoutedBatches.Remove(routed);
                return;
            }

            if (routed.CallsOut > 0 && _primary is not null && allOk)
            {
                // The call carrying the route is out: its answer says whether the replica told the client.
                routed.Replies = replies;
                routed.CommittedTicks = NowTicks;
                return;
            }

            _primary?.RoutedBatches.Remove(routed);
        }

        RoutedBatches.Tell(acks, batchId, replies);
    }
}
