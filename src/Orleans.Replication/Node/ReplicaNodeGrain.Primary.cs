using Microsoft.Extensions.Logging;
using Orleans.Replication.Primary;
using Orleans.Replication.Protocol;

namespace Orleans.Replication.Node;

/// <summary>The primary's side: becoming primary and stopping, switchover, and learners.</summary>
internal sealed partial class ReplicaNodeGrain
{
    /// <summary>
    /// Starts a term as primary of <paramref name="epoch"/>: a new <see cref="PrimaryRole"/>, whatever the node was.
    /// </summary>
    private void BecomePrimary(long epoch, int nodeCount)
    {
        StopLeading(null);
        _replica = null;
        _caughtUp = true;
        _epoch = epoch;
        _primaryIndex = _index;
        _nodeCount = nodeCount;
        var links = Enumerable.Range(0, nodeCount)
            .Where(i => i != _index)
            .Select(i => new ReplicaLink(i, GrainFactory.GetGrain<IReplicaNodeGrain>(GroupNames.NodeKey(_group, i)))
            {
                NextIndex = _log.LastIndex + 1,
                LastReplyTicks = NowTicks, // a new primary was just chosen with its group's consent
            })
            .ToArray();
        var primary = new PrimaryRole(links, new CommitTracker(nodeCount, OwnCommitIndex));
        _primary = primary;
        NoteLeading(true);

        // Entries of earlier epochs are committed only through an entry of this one (Raft's rule).
        if (_log.LastIndex > _commitIndex)
        {
            AppendToLog(new LogEntry(_log.LastIndex + 1, epoch, LogOperation.Noop, "", null, Guid.Empty, NowTicks));
        }

        primary.EpochStartIndex = _log.LastIndex;
        primary.Heartbeat = this.RegisterGrainTimer(
            OnHeartbeatAsync,
            new GrainTimerCreationOptions(_options.HeartbeatInterval, _options.HeartbeatInterval)
            {
                Interleave = true,
                KeepAlive = true,
            }
        );
        LogBecamePrimary(_group, _index, epoch, nodeCount, _log.LastIndex);
        AdvanceCommit();
        PumpAll();
    }

    /// <summary>Tells the silo's <see cref="Hosting.LocalPrimaries"/> whether this node leads from here.</summary>
    private void NoteLeading(bool leading) =>
        (ServiceProvider.GetService(typeof(Hosting.LocalPrimaries)) as Hosting.LocalPrimaries)?.Set(
            _group,
            _index,
            leading
        );

    /// <summary>Ends this node's leadership: no further write is acknowledged, waiting writes learn that their outcome
    /// is unknown.</summary>
    /// <remarks>The <see cref="PrimaryRole"/> is dropped last: what its end sets off (the replies to waiting writes)
    /// still runs while the node leads.</remarks>
    private void StopLeading(long? newerEpoch)
    {
        if (_primary is not { } primary)
        {
            return;
        }

        NoteLeading(false);
        primary.Heartbeat?.Dispose();
        primary.Heartbeat = null;
        primary.HandingOver = false;
        primary.HandOverDone?.TrySetResult();
        var epoch = newerEpoch ?? _epoch;
        WriteReply Deposed(PendingWrite p) =>
            Reply(
                WriteStatus.SteppedDown,
                p.Index,
                $"The primary was deposed by epoch {epoch} before the write was acknowledged."
            );
        primary.Tracker.AbandonAll(Deposed);
        primary.DiskTracker?.AbandonAll(Deposed);
        primary.RoutedBatches.End();
        primary.LeadershipRounds.Fail();
        _primary = null;
    }

    public async Task<bool> HandOverAsync(int target, TimeSpan timeout)
    {
        if (_primary is not { } primary || primary.LinkTo(target) is not { } link)
        {
            return false;
        }

        // Writes are refused from here on, so the log's end stays put while the target catches up to it.
        var epoch = _epoch;
        primary.HandingOver = true;
        if (link.MatchIndex < _log.LastIndex)
        {
            primary.HandOverTarget = target;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            primary.HandOverDone = done;
            PumpAll(primary);
            try
            {
                await done.Task.WaitAsync(timeout, _time);
            }
            catch (TimeoutException)
            {
                // Judged below.
            }
            finally
            {
                primary.HandOverDone = null;
            }
        }

        // Still the same term: a node leads an epoch at most once.
        var leading = _primary == primary && _epoch == epoch;
        if (leading && link.MatchIndex >= _log.LastIndex)
        {
            // Writes stay refused: the coordinator now deposes this primary and promotes the target.
            LogHandedOver(_group, _index, target, _log.LastIndex);
            return true;
        }

        if (leading)
        {
            primary.HandingOver = false; // the target did not catch up in time: keep leading
        }

        return false;
    }

    public Task<bool> AddLearnerAsync(int learner, long epoch)
    {
        if (_primary is not { } primary || epoch != _epoch)
        {
            return Task.FromResult(false);
        }

        if (learner < _nodeCount || learner >= ReplicationLimits.MaxNodeCount)
        {
            throw new ArgumentOutOfRangeException(
                nameof(learner),
                learner,
                $"A learner of a group of {_nodeCount} is node {_nodeCount}..{ReplicationLimits.MaxNodeCount - 1}."
            );
        }

        if (!Array.Exists(primary.SendTo, l => l.NodeIndex == learner))
        {
            var link = new ReplicaLink(
                learner,
                GrainFactory.GetGrain<IReplicaNodeGrain>(GroupNames.NodeKey(_group, learner))
            )
            {
                NextIndex = _log.LastIndex + 1,
                LastReplyTicks = NowTicks,
            };
            primary.SendTo = [.. primary.SendTo, link];
            LogLearnerAdded(_group, _index, learner, _epoch);
            Pump(link);
        }

        return Task.FromResult(true);
    }

    private void StepDown(long newerEpoch)
    {
        LogSteppedDown(_group, _index, _epoch, newerEpoch);
        BecomeReplica(newerEpoch, -1, _nodeCount);
    }

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Primary {Group}/{Index} handed over: node {Target} holds the whole log ({LastIndex})."
    )]
    private partial void LogHandedOver(string group, int index, int target, long lastIndex);

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Primary {Group}/{Index} syncs node {Learner} to join the group (epoch {Epoch}); it counts toward " +
            "no quorum yet."
    )]
    private partial void LogLearnerAdded(string group, int index, int learner, long epoch);

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Node {Group}/{Index} steps down: epoch {Epoch} was replaced by {NewerEpoch}."
    )]
    private partial void LogSteppedDown(string group, int index, long epoch, long newerEpoch);
}
