using Orleans.Replication.Primary;
using Orleans.Replication.Protocol;

namespace Orleans.Replication.Node;

/// <summary>Batches a replica answers: the client hears from the replica that holds its writes, not from the primary.</summary>
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
    /// <summary>Most batches a replica is to answer at once; beyond it the primary answers itself.</summary>
    private const int MaxReplicaAnswers = 4096;

    /// <summary>Batches a replica is to answer, until it did or the primary answered instead.</summary>
    private readonly List<ReplicaAnswer> _replicaAnswers = [];

    public Task SubmitAsync(WriteCommand[] commands, IWriteAcks acks, long batchId)
    {
        ArgumentNullException.ThrowIfNull(commands);
        ArgumentNullException.ThrowIfNull(acks);
        var appendedFrom = _log.LastIndex;
        var now = NowTicks;
        var replies = AcceptAll(commands, now);
        var byReplica = _role == NodeRole.Primary && _tracker is not null;
        for (var i = 0; byReplica && i < commands.Length; i++)
        {
            // Only a fresh write is still waiting here (a refused or known one is answered at once), so its concern is valid.
            byReplica = !replies[i].IsCompleted && commands[i].ExpectedVersion is null && commands[i].Concern.RequiredReplicas(_nodeCount) == 1;
        }

        ReplicaAnswer? answer = null;
        if (byReplica && _log.LastIndex - appendedFrom == commands.Length && _replicaAnswers.Count < MaxReplicaAnswers && PickAnswerer(now) is { } link)
        {
            answer = new ReplicaAnswer(link, new AckRoute(acks, batchId, appendedFrom + 1, _log.LastIndex, link.Incarnation));
            _replicaAnswers.Add(answer);
        }

        Appended(appendedFrom);

        // Inline in the turn that answers the last write (on this grain's scheduler either way): no turn of its own.
        Task.WhenAll(replies).ContinueWith(static (all, state) =>
        {
            var (node, acks, batchId, answer) = ((ReplicaNodeGrain, IWriteAcks, long, ReplicaAnswer?))state!;
            node.Answer(all.Result, acks, batchId, answer);
        }, (this, acks, batchId, answer), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously | TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Current);
        return Task.CompletedTask;
    }

    /// <summary>Once the batch's writes are answered here: tells the client, unless its replica did or may yet.</summary>
    private void Answer(WriteReply[] answers, IWriteAcks acks, long batchId, ReplicaAnswer? answer)
    {
        if (answer is not null)
        {
            var allOk = Array.TrueForAll(answers, static r => r.Status == WriteStatus.Ok);
            if (answer.Told && allOk)
            {
                _replicaAnswers.Remove(answer);
                return;
            }

            if (answer.CallsOut > 0 && _role == NodeRole.Primary && allOk)
            {
                // The call carrying the route is out: its answer says whether the replica told the client.
                answer.Replies = answers;
                answer.CommittedTicks = NowTicks;
                return;
            }

            _replicaAnswers.Remove(answer);
        }

        Tell(acks, batchId, answers);
    }

    /// <summary>The replica to answer a batch: of the replicas in good standing, the one with the fewest calls out; null if none.</summary>
    private ReplicaLink? PickAnswerer(long now)
    {
        ReplicaLink? best = null;
        foreach (var link in _links)
        {
            if (link.Failures == 0 && !link.SnapshotInProgress && now >= link.RetryAtTicks && link.Incarnation != Guid.Empty
                && (best is null || link.InFlight < best.InFlight))
            {
                best = link;
            }
        }

        return best;
    }

    /// <summary>The routes to send with a call to <paramref name="link"/> whose last entry is <paramref name="lastSent"/>.</summary>
    private AckRoute[]? TakeAnswerRoutes(ReplicaLink link, long lastSent)
    {
        List<AckRoute>? taken = null;
        foreach (var answer in _replicaAnswers)
        {
            if (answer.Link == link && !answer.Told && answer.CallsOut == 0 && answer.Replies is null && answer.Route.LastIndex <= lastSent)
            {
                answer.CallsOut++;
                (taken ??= []).Add(answer.Route);
            }
        }

        return taken?.ToArray();
    }

    /// <summary>
    /// After a call to <paramref name="link"/> that carried <paramref name="routes"/> ended: the replica told the clients
    /// of the batches it holds by its answer (<paramref name="heldUpTo"/>, or -1 when the call failed), if the answer came
    /// from the activation each route names (<paramref name="incarnation"/>); the batches already committed whose client
    /// it did not tell are answered here.
    /// </summary>
    private void SettleReplicaAnswers(ReplicaLink link, AckRoute[]? routes, long heldUpTo, Guid incarnation)
    {
        if (routes is null)
        {
            return;
        }

        for (var i = _replicaAnswers.Count - 1; i >= 0; i--)
        {
            var answer = _replicaAnswers[i];
            if (answer.Link != link || Array.IndexOf(routes, answer.Route) < 0)
            {
                continue;
            }

            answer.CallsOut--;
            answer.Told |= heldUpTo >= answer.Route.LastIndex && incarnation == answer.Route.Incarnation;
            if (answer.Replies is { } replies)
            {
                _replicaAnswers.RemoveAt(i);
                if (!answer.Told)
                {
                    Tell(answer.Route.Target, answer.Route.BatchId, replies);
                }
            }
        }
    }

    /// <summary>Answers the committed batches whose replica has not answered this primary since before <paramref name="committedBefore"/> (all by default).</summary>
    private void AnswerOverdue(long committedBefore = long.MaxValue)
    {
        for (var i = _replicaAnswers.Count - 1; i >= 0; i--)
        {
            var answer = _replicaAnswers[i];
            if (answer.Replies is { } replies && answer.CommittedTicks < committedBefore)
            {
                _replicaAnswers.RemoveAt(i);
                Tell(answer.Route.Target, answer.Route.BatchId, replies);
            }
        }
    }

    /// <summary>Leadership ended: batches committed meanwhile are answered (they are committed); the others are answered by their writes' own replies.</summary>
    private void EndReplicaAnswers()
    {
        AnswerOverdue();
        _replicaAnswers.Clear();
    }

    private static void Tell(IWriteAcks acks, long batchId, WriteReply[] replies) => acks.AnsweredAsync(batchId, replies).Ignore();

    /// <summary>A batch a replica is to answer.</summary>
    private sealed class ReplicaAnswer(ReplicaLink link, AckRoute route)
    {
        public ReplicaLink Link { get; } = link;

        public AckRoute Route { get; } = route;

        /// <summary>Calls out carrying the route.</summary>
        public int CallsOut { get; set; }

        /// <summary>A call's answer said the replica holds the batch: it told the client.</summary>
        public bool Told { get; set; }

        /// <summary>Set once the batch is committed while a call carrying the route is out.</summary>
        public WriteReply[]? Replies { get; set; }

        public long CommittedTicks { get; set; }
    }
}
