using Orleans.Replication.Protocol;
using Orleans.Replication.Replica;

namespace Orleans.Replication.Node;

/// <summary>The replica's side: following the primary's log strictly in order.</summary>
internal sealed partial class ReplicaNodeGrain
{
    /// <summary>
    /// Longest a gap in the primary's calls is waited for before the replica answers with a mismatch.
    /// </summary>
    private static readonly long MaxParkTicks = TimeSpan.FromMilliseconds(500).Ticks;

    private ParkedAppends NewParkedAppends() => new(4 * _options.MaxInFlightBatches, MaxParkTicks);

    /// <summary>
    /// Follows <paramref name="primaryIndex"/> (or, with -1, waits for a primary) in <paramref name="epoch"/>: a node
    /// that led or had no role gets a new <see cref="ReplicaRole"/>; a replica keeps its own.
    /// </summary>
    private void BecomeReplica(long epoch, int primaryIndex, int nodeCount)
    {
        StopLeading(epoch);
        var changed = _replica is null || _epoch != epoch || _primaryIndex != primaryIndex;
        var replica = _replica ??= new ReplicaRole(_commitIndex, NewParkedAppends());
        _epoch = epoch;
        _primaryIndex = primaryIndex;
        _nodeCount = nodeCount;

        // Only committed entries are known to match a new primary's log. Contact time is not reset here: only a
        // message from a leader makes a replica fresh.
        replica.VerifiedIndex = _commitIndex;
        replica.Incoming = null;
        if (changed && primaryIndex >= 0)
        {
            LogBecameReplica(_group, _index, primaryIndex, epoch);
        }
    }

    public async Task<AppendResponse> AppendAsync(AppendRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!await KnowsEpochFloorAsync())
        {
            return Respond(AppendStatus.StaleEpoch, VerifiedIndex);
        }

        var response = Append(request);
        return _disk is null
            ? response
            : await AnswerWhenDurableAsync(response, request.Epoch, request.NodeCount, request.SyncThrough);
    }

    /// <summary>
    /// With a log on disk, a replica confirms only what is on disk: it answers once this turn's writes are, and
    /// never with more than <see cref="DurableIndex"/>. Asked to sync through an index its buffered log has not
    /// fsynced yet, it asks for that fsync and answers after it too.
    /// </summary>
    private async Task<AppendResponse> AnswerWhenDurableAsync(AppendResponse response, long epoch, int nodeCount,
        long syncThrough = 0)
    {
        SaveStanding();
        var sync = response.Status == AppendStatus.Ok && syncThrough > SyncedIndex && WritesBuffered;
        if (sync)
        {
            RequestSync();
        }

        if (!await WaitForDiskAsync() || (sync && !await WaitForSyncAsync()))
        {
            return Respond(AppendStatus.StaleEpoch, 0);
        }

        if (_syncTail.Write.IsCompletedSuccessfully)
        {
            OnSynced(_syncTail); // a snapshot just written, say, whose continuation has not run yet
        }

        if (response.Status != AppendStatus.Ok)
        {
            return response;
        }

        if (_replica is { } replica && _epoch == epoch)
        {
            SetCommitIndex(CommittedHere(replica, epoch, nodeCount));
        }

        return Respond(AppendStatus.Ok, Math.Min(response.LastIndex, DurableIndex));
    }

    /// <summary>
    /// A node activated again empty knows no epoch, and would follow whoever calls first — a deposed primary
    /// included, which could then count it toward a majority. So before following anyone it asks the coordinator
    /// for the group's current epoch and refuses every leader below it.
    /// </summary>
    private async Task<bool> KnowsEpochFloorAsync()
    {
        if (Role != NodeRole.Unassigned || _epochFloor > 0)
        {
            return true;
        }

        // Orleans 10.4 runs the first requests of a new activation inside a lock on that activation, and handing a
        // call to a grain on the same silo takes that grain's lock. A node just activated asking its coordinator
        // just activated, which is asking the node in turn (RebuildAsync), would then wait on each other's lock
        // forever, with two thread-pool threads. Leaving the current turn first makes the call from outside it.
        await Task.Yield();
        try
        {
            var route = await GrainFactory
                .GetGrain<IGroupCoordinatorGrain>(_group)
                .GetRouteAsync()
                .WaitAsync(_options.ReplicationCallTimeout, _time);
            _epochFloor = Math.Max(_epochFloor, route.Epoch);
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false;
        }
    }

    /// <summary>Replication calls that carried entries, received by this activation.</summary>
    internal long EntryBatchesReceived { get; private set; }

    /// <summary>Handles one replication call in a single turn.</summary>
    private AppendResponse Append(AppendRequest request)
    {
        if (AcceptLeader(request.Epoch, request.LeaderIndex, request.NodeCount) is not { } replica)
        {
            return Respond(AppendStatus.StaleEpoch, VerifiedIndex);
        }

        replica.LeaderLastIndex = Math.Max(replica.LeaderLastIndex, request.LeaderLastIndex);
        if (request.IsProbe)
        {
            SetCommitIndex(Math.Min(request.LeaderCommit, replica.VerifiedIndex));
            return Respond(AppendStatus.Ok, replica.VerifiedIndex);
        }

        if (replica.SequenceOf != (request.Epoch, request.LeaderIndex))
        {
            // The first call heard from this leader: none before it is known to be on its way, so a gap after it is
            // answered at once. (Taking it as number 1 could park a new primary's calls for nothing.)
            replica.Parked.Clear();
            replica.SequenceOf = (request.Epoch, request.LeaderIndex);
            replica.LastSequence = request.Sequence - 1;
        }

        if (request.PrevIndex > _log.LastIndex)
        {
            // A gap. While the call may have overtaken an earlier one of this primary, it is parked and answered with
            // what matches so far; otherwise the primary is asked for what follows our last entry.
            if (replica.Parked.TryPark(request, replica.LastSequence, NowTicks))
            {
                return Respond(AppendStatus.Ok, replica.VerifiedIndex);
            }

            replica.LastSequence = Math.Max(replica.LastSequence, request.Sequence);
            return Respond(AppendStatus.Mismatch, _log.LastIndex);
        }

        if (Follow(replica, request) is { } conflict)
        {
            return Respond(AppendStatus.Mismatch, conflict);
        }

        // Calls parked behind this one follow now. One that conflicts is dropped: the primary, having had every call
        // answered with less than it sent, sends the rest again.
        while (replica.Parked.TakeNext(_log.LastIndex, NowTicks) is { } next)
        {
            Follow(replica, next);
        }

        return Respond(AppendStatus.Ok, replica.VerifiedIndex);
    }

    /// <summary>
    /// Appends a call's entries to a log that reaches its previous index; returns where to resend from (minus one) on a
    /// conflict.
    /// </summary>
    private long? Follow(ReplicaRole replica, AppendRequest request)
    {
        replica.LastSequence = Math.Max(replica.LastSequence, request.Sequence);
        if (request.PrevIndex >= _log.BaseIndex)
        {
            _log.TryGetEpoch(request.PrevIndex, out var prevEpoch);
            if (prevEpoch != request.PrevEpoch)
            {
                // Our entry at PrevIndex belongs to a deposed epoch; it and all after it go.
                TruncateLog(request.PrevIndex);
                return request.PrevIndex - 1;
            }
        }

        EntryBatchesReceived += request.Entries.Length > 0 ? 1 : 0;
        foreach (var entry in request.Entries)
        {
            if (entry.Index <= _log.BaseIndex)
            {
                continue; // compacted here, hence committed, hence the same
            }

            if (entry.Index <= _log.LastIndex)
            {
                if (_log[entry.Index].Epoch == entry.Epoch)
                {
                    continue;
                }

                TruncateLog(entry.Index);
            }

            AppendToLog(entry);
        }

        replica.VerifiedIndex = Math.Max(replica.VerifiedIndex, request.PrevIndex + request.Entries.Length);

        // The clients hear first: holding the entries is what they wait for, applying them to the state is not. (With a
        // log on disk the primary answers them.)
        if (_disk is null)
        {
            TellHeld(replica, request);
        }

        SetCommitIndex(
            Math.Max(
                Math.Min(request.LeaderCommit, replica.VerifiedIndex),
                CommittedHere(replica, request.Epoch, request.NodeCount)
            )
        );
        _caughtUp |= replica.VerifiedIndex >= request.LeaderCommit;
        return null;
    }

    /// <summary>
    /// Tells the clients of the batches routed to this node in <paramref name="request"/> that it holds them: with the
    /// primary, which appended them in its epoch, that makes the one replica each of their writes needs. The primary
    /// learns from this call's answer that the clients were told.
    /// </summary>
    private void TellHeld(ReplicaRole replica, AppendRequest request)
    {
        if (request.Acks is not { } routes)
        {
            return;
        }

        foreach (var route in routes)
        {
            var count = route.LastIndex - route.FirstIndex + 1;
            if (
                route.Target is not null
                && route.Incarnation == _incarnation
                && count is > 0 and <= int.MaxValue
                && replica.VerifiedIndex >= route.LastIndex
                && _log.TryGetEpoch(route.LastIndex, out var epoch)
                && epoch == request.Epoch
            )
            {
                route
                    .Target.HeldAsync(
                        route.BatchId,
                        request.Epoch,
                        route.FirstIndex,
                        (int)count,
                        Math.Max(0, request.NodeCount - 1)
                    )
                    .Ignore();
            }
        }
    }

    /// <summary>
    /// What this node knows to be committed without being told: in a group of at most three the leader and one voter
    /// are a majority, so an entry of the leader's epoch that this voter holds, and every entry before it (they match
    /// the leader's log), is committed once it arrives (Raft's commitment rule, counted here rather than at the
    /// leader). Every later leader holds it: it is elected by a majority of voters, which includes the leader or this
    /// node, and it has the best log of them. Applying it at once spares the leader a call that only carries its
    /// commit index. 0 when the rule does not apply: larger groups, learners, or a last entry of an older epoch.
    /// </summary>
    private long CommittedHere(ReplicaRole replica, long leaderEpoch, int nodeCount) =>
        _index < nodeCount
        && WriteConcern.Majority.RequiredReplicas(nodeCount) <= 1
        && HeldHere(replica) > _commitIndex
        && _log.TryGetEpoch(HeldHere(replica), out var epoch)
        && epoch == leaderEpoch
            ? HeldHere(replica)
            : 0;

    /// <summary>What this replica holds of the leader's log and may confirm (on disk, if it keeps one).</summary>
    private long HeldHere(ReplicaRole replica) => Math.Min(replica.VerifiedIndex, DurableIndex);

    /// <summary>
    /// Checks a message's epoch: older is refused (null); newer (or the first we hear of) makes this node follow its
    /// sender. Returns the role it follows the sender in.
    /// </summary>
    private ReplicaRole? AcceptLeader(long epoch, int leaderIndex, int nodeCount)
    {
        // One leader per epoch: a second sender of the same epoch (two coordinators electing at once) is refused.
        if (
            _diskFault is not null
            || epoch < _epoch
            || epoch < _epochFloor
            || (epoch == _epoch && (_primary is not null || (_primaryIndex >= 0 && _primaryIndex != leaderIndex)))
        )
        {
            return null;
        }

        if (epoch > _epoch || _replica is null || _primaryIndex != leaderIndex)
        {
            BecomeReplica(epoch, leaderIndex, nodeCount);
        }

        var replica = _replica!;
        _nodeCount = nodeCount;
        replica.LastContactTicks = NowTicks;
        return replica;
    }

    /// <summary>
    /// This node's response to a replication call: what happened, and <paramref name="lastIndex"/> (see
    /// <see cref="AppendResponse.LastIndex"/>).
    /// </summary>
    private AppendResponse Respond(AppendStatus status, long lastIndex) =>
        new(status, _epoch, lastIndex, _incarnation, _state.AppliedIndex, Math.Min(lastIndex, SyncedIndex));
}
