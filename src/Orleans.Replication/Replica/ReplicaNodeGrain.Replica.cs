using Orleans.Replication.Protocol;
using Orleans.Replication.Replica;

namespace Orleans.Replication.Node;

/// <summary>The replica's side: following the primary's log strictly in order, and installing snapshots.</summary>
internal sealed partial class ReplicaNodeGrain
{
    /// <summary>Highest index known to match the current primary's log: the commit index never passes it.</summary>
    private long _verifiedIndex;

    /// <summary>The primary's last index as of its last message, for lag in entries.</summary>
    private long _leaderLastIndex;

    /// <summary>UTC ticks of the last message from the primary.</summary>
    private long _lastContactTicks;

    private IncomingSnapshot? _incoming;

    /// <summary>Calls of the primary that overtook an earlier one, held until the entries before them arrive.</summary>
    private readonly ParkedAppends _held;

    /// <summary>The highest <see cref="AppendRequest.Sequence"/> handled so far of the leader <see cref="_sequenceOf"/>.</summary>
    private long _lastSequence;

    /// <summary>The leader (epoch, node) whose calls <see cref="_lastSequence"/> and the held calls belong to.</summary>
    private (long Epoch, int Leader) _sequenceOf;

    /// <summary>Longest a gap in the primary's calls is waited for before the replica answers with a mismatch.</summary>
    private static readonly long MaxHoldTicks = TimeSpan.FromMilliseconds(500).Ticks;

    /// <summary>The group's epoch as the coordinator reported it to this activation: no older leader is followed.</summary>
    private long _epochFloor;

    /// <summary>Snapshots this activation installed.</summary>
    internal int SnapshotsInstalled { get; private set; }

    private void BecomeReplica(long epoch, int primaryIndex, int nodeCount)
    {
        StopLeading(epoch);
        var changed = _role != NodeRole.Replica || _epoch != epoch || _primaryIndex != primaryIndex;
        _role = NodeRole.Replica;
        _epoch = epoch;
        _primaryIndex = primaryIndex;
        _nodeCount = nodeCount;

        // Only committed entries are known to match a new primary's log. Contact time is not reset here: only a
        // message from a leader makes a replica fresh.
        _verifiedIndex = _commitIndex;
        _incoming = null;
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
            return Answer(AppendStatus.StaleEpoch, _verifiedIndex);
        }

        return Append(request);
    }

    /// <summary>
    /// A node activated again empty knows no epoch, and would follow whoever calls first — a deposed primary
    /// included, which could then count it toward a majority. So before following anyone it asks the coordinator
    /// for the group's current epoch and refuses every leader below it.
    /// </summary>
    private async Task<bool> KnowsEpochFloorAsync()
    {
        if (_role != NodeRole.Unassigned || _epochFloor > 0)
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
            var route = await GrainFactory.GetGrain<IGroupCoordinatorGrain>(_group).GetRouteAsync().WaitAsync(_options.ReplicationCallTimeout, _time);
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
        if (!AcceptLeader(request.Epoch, request.LeaderIndex, request.NodeCount))
        {
            return Answer(AppendStatus.StaleEpoch, _verifiedIndex);
        }

        _leaderLastIndex = Math.Max(_leaderLastIndex, request.LeaderLastIndex);
        if (request.IsProbe)
        {
            SetCommitIndex(Math.Min(request.LeaderCommit, _verifiedIndex));
            return Answer(AppendStatus.Ok, _verifiedIndex);
        }

        if (_sequenceOf != (request.Epoch, request.LeaderIndex))
        {
            // The first call heard from this leader: none before it is known to be on its way, so a gap after it is
            // answered at once. (Taking it as number 1 could hold a new primary's calls for nothing.)
            _held.Clear();
            _sequenceOf = (request.Epoch, request.LeaderIndex);
            _lastSequence = request.Sequence - 1;
        }

        if (request.PrevIndex > _log.LastIndex)
        {
            // A gap. While the call may have overtaken an earlier one of this primary, it is held and answered with
            // what matches so far; otherwise the primary is asked for what follows our last entry.
            if (_held.TryHold(request, _lastSequence, NowTicks))
            {
                return Answer(AppendStatus.Ok, _verifiedIndex);
            }

            _lastSequence = Math.Max(_lastSequence, request.Sequence);
            return Answer(AppendStatus.Mismatch, _log.LastIndex);
        }

        if (Follow(request) is { } conflict)
        {
            return Answer(AppendStatus.Mismatch, conflict);
        }

        // Calls held behind this one follow now. One that conflicts is dropped: the primary, having had every call
        // answered with less than it sent, sends the rest again.
        while (_held.TakeNext(_log.LastIndex, NowTicks) is { } next)
        {
            Follow(next);
        }

        return Answer(AppendStatus.Ok, _verifiedIndex);
    }

    /// <summary>Appends a call's entries to a log that reaches its previous index; returns where to resend from (minus one) on a conflict.</summary>
    private long? Follow(AppendRequest request)
    {
        _lastSequence = Math.Max(_lastSequence, request.Sequence);
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

        _verifiedIndex = Math.Max(_verifiedIndex, request.PrevIndex + request.Entries.Length);

        // The clients hear first: holding the entries is what they wait for, applying them to the state is not.
        TellHeld(request);
        SetCommitIndex(Math.Max(Math.Min(request.LeaderCommit, _verifiedIndex), CommittedHere(request.Epoch, request.NodeCount)));
        _caughtUp |= _verifiedIndex >= request.LeaderCommit;
        return null;
    }

    /// <summary>
    /// Tells the clients of the batches routed to this node in <paramref name="request"/> that it holds them: with the
    /// primary, which appended them in its epoch, that makes the one replica each of their writes needs. The primary
    /// learns from this call's answer that the clients were told.
    /// </summary>
    private void TellHeld(AppendRequest request)
    {
        if (request.Acks is not { } routes)
        {
            return;
        }

        foreach (var route in routes)
        {
            var count = route.LastIndex - route.FirstIndex + 1;
            if (route.Target is not null && route.Incarnation == _incarnation && count is > 0 and <= int.MaxValue && _verifiedIndex >= route.LastIndex
                && _log.TryGetEpoch(route.LastIndex, out var epoch) && epoch == request.Epoch)
            {
                route.Target.HeldAsync(route.BatchId, request.Epoch, route.FirstIndex, (int)count, Math.Max(0, request.NodeCount - 1)).Ignore();
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
    private long CommittedHere(long leaderEpoch, int nodeCount) =>
        _index < nodeCount && WriteConcern.Majority.RequiredReplicas(nodeCount) <= 1 && _verifiedIndex > _commitIndex
            && _log.TryGetEpoch(_verifiedIndex, out var epoch) && epoch == leaderEpoch
            ? _verifiedIndex
            : 0;

    public async Task<AppendResponse> InstallSnapshotAsync(SnapshotChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (!await KnowsEpochFloorAsync())
        {
            return Answer(AppendStatus.StaleEpoch, _verifiedIndex);
        }

        return InstallSnapshot(chunk);
    }

    private AppendResponse InstallSnapshot(SnapshotChunk chunk)
    {
        if (!AcceptLeader(chunk.Epoch, chunk.LeaderIndex, _nodeCount))
        {
            return Answer(AppendStatus.StaleEpoch, _verifiedIndex);
        }

        if (chunk.Sequence == 0)
        {
            _incoming = new IncomingSnapshot(chunk.SnapshotId);
        }
        else if (_incoming is null || _incoming.Id != chunk.SnapshotId || _incoming.NextSequence != chunk.Sequence)
        {
            _incoming = null;
            return Answer(AppendStatus.NeedSnapshot, _verifiedIndex);
        }

        _incoming.Items.AddRange(chunk.Items);
        _incoming.WriteIds.AddRange(chunk.WriteIds ?? []);
        _incoming.NextSequence++;
        if (!chunk.IsLast)
        {
            return Answer(AppendStatus.Ok, _verifiedIndex);
        }

        if (chunk.LastIncludedIndex <= _commitIndex)
        {
            // We already hold at least this much: keep our state, it is a superset.
            _incoming = null;
            return Answer(AppendStatus.Ok, _verifiedIndex);
        }

        _state.Install(_incoming.Items, chunk.LastIncludedIndex);
        _log.Reset(chunk.LastIncludedIndex, chunk.LastIncludedEpoch);
        _writeIds.Clear();
        _writeIds.Restore(_incoming.WriteIds, NowTicks);
        _commitIndex = chunk.LastIncludedIndex;
        _verifiedIndex = chunk.LastIncludedIndex;
        _incoming = null;
        _caughtUp = true;
        SnapshotsInstalled++;
        ReleaseAppliedWaiters();
        LogSnapshotInstalled(_group, _index, chunk.LastIncludedIndex, _state.Count);
        return Answer(AppendStatus.Ok, _verifiedIndex);
    }

    /// <summary>Checks a message's epoch: older is refused; newer (or the first we hear of) makes this node follow its sender.</summary>
    private bool AcceptLeader(long epoch, int leaderIndex, int nodeCount)
    {
        // One leader per epoch: a second sender of the same epoch (two coordinators electing at once) is refused.
        if (epoch < _epoch || epoch < _epochFloor || (epoch == _epoch && (_role == NodeRole.Primary || (_primaryIndex >= 0 && _primaryIndex != leaderIndex))))
        {
            return false;
        }

        if (epoch > _epoch || _role != NodeRole.Replica || _primaryIndex != leaderIndex)
        {
            BecomeReplica(epoch, leaderIndex, nodeCount);
        }

        _nodeCount = nodeCount;
        _lastContactTicks = NowTicks;
        return true;
    }

    private AppendResponse Answer(AppendStatus status, long lastIndex) =>
        new(status, _epoch, lastIndex, _incarnation, _state.AppliedIndex);

    private sealed class IncomingSnapshot(Guid id)
    {
        public Guid Id { get; } = id;

        public int NextSequence { get; set; }

        public List<SnapshotItem> Items { get; } = [];

        public List<WriteIdRecord> WriteIds { get; } = [];
    }

    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Information,
        Message = "Node {Group}/{Index} installed a snapshot at index {SnapshotIndex} with {Keys} keys.")]
    private partial void LogSnapshotInstalled(string group, int index, long snapshotIndex, int keys);
}
