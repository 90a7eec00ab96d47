using Microsoft.Extensions.Logging;
using Orleans.Replication.Diagnostics;
using Orleans.Replication.Primary;
using Orleans.Replication.Protocol;

namespace Orleans.Replication.Node;

/// <summary>The primary's side: taking writes, replicating them in pipelined batches, and acknowledging them.</summary>
internal sealed partial class ReplicaNodeGrain
{
    /// <summary>Starts a term as primary of <paramref name="epoch"/>: a new <see cref="PrimaryRole"/>, whatever the node was.</summary>
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
        var primary = new PrimaryRole(links, new CommitTracker(nodeCount));
        _primary = primary;
        NoteLeading(true);

        // Entries of earlier epochs are committed only through an entry of this one (Raft's rule).
        if (_log.LastIndex > _commitIndex)
        {
            AppendToLog(new LogEntry(_log.LastIndex + 1, epoch, LogOperation.Noop, "", null, Guid.Empty, NowTicks));
        }

        primary.EpochStartIndex = _log.LastIndex;
        primary.Heartbeat = this.RegisterGrainTimer(OnHeartbeatAsync,
            new GrainTimerCreationOptions(_options.HeartbeatInterval, _options.HeartbeatInterval) { Interleave = true, KeepAlive = true });
        LogBecamePrimary(_group, _index, epoch, nodeCount, _log.LastIndex);
        AdvanceCommit();
        PumpAll();
    }

    /// <summary>Tells the silo's <see cref="Hosting.LocalPrimaries"/> whether this node leads from here.</summary>
    private void NoteLeading(bool leading) =>
        (ServiceProvider.GetService(typeof(Hosting.LocalPrimaries)) as Hosting.LocalPrimaries)?.Set(_group, _index, leading);

    /// <summary>Ends this node's leadership: no further write is acknowledged, waiting writes learn that their outcome is unknown.</summary>
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
        primary.Tracker.AbandonAll(p => Reply(WriteStatus.SteppedDown, p.Index, $"The primary was deposed by epoch {epoch} before the write was acknowledged."));
        primary.RoutedBatches.End();
        primary.FailLeadershipRounds();
        _primary = null;
    }

    public Task<WriteReply> WriteAsync(WriteCommand command)
    {
        var appendedFrom = _log.LastIndex;
        var reply = Accept(command, NowTicks);
        Appended(appendedFrom);
        return reply;
    }

    public Task<WriteReply[]> WriteBatchAsync(WriteCommand[] commands)
    {
        ArgumentNullException.ThrowIfNull(commands);
        var appendedFrom = _log.LastIndex;
        var replies = AcceptAll(commands, NowTicks);
        Appended(appendedFrom);
        return Task.WhenAll(replies);
    }

    /// <summary>Accepts a call's writes in order (see <see cref="Accept"/>); the caller then calls <see cref="Appended"/> once.</summary>
    private Task<WriteReply>[] AcceptAll(WriteCommand[] commands, long now)
    {
        var replies = new Task<WriteReply>[commands.Length];
        for (var i = 0; i < commands.Length; i++)
        {
            replies[i] = Accept(commands[i], now);
        }

        return replies;
    }

    /// <summary>After a call's writes were accepted: one count, one commit check and one replication pass for all of them.</summary>
    private void Appended(long appendedFrom)
    {
        if (_log.LastIndex > appendedFrom)
        {
            ReplicationMetrics.WritesAppended(_group, _log.LastIndex - appendedFrom);
        }

        AdvanceCommit();
        PumpAll();
    }

    /// <summary>Validates a write and, when this node leads, appends it and starts tracking its concern. Replication is started by the caller.</summary>
    private Task<WriteReply> Accept(WriteCommand command, long now)
    {
        if (command is null)
        {
            return Task.FromResult(Reply(WriteStatus.Invalid, 0, "A write command must not be null."));
        }

        if (_primary is not { } primary)
        {
            return Task.FromResult(Reply(WriteStatus.NotPrimary, 0, $"Node {_group}/{_index} is not the primary of epoch {_epoch}."));
        }

        if (primary.HandingOver)
        {
            return Task.FromResult(Reply(WriteStatus.Unavailable, 0, $"Node {_group}/{_index} is handing over to another primary."));
        }

        if (ValidateWrite(command) is { } invalid)
        {
            return Task.FromResult(Reply(WriteStatus.Invalid, 0, invalid));
        }

        long index;
        if (_writeIds.TryGet(command.WriteId, out var seen) && seen > _log.BaseIndex && seen <= _log.LastIndex && _log[seen].WriteId == command.WriteId)
        {
            // A retry of a write this log already holds: wait for it again rather than applying it twice.
            index = seen;
        }
        else if (seen > 0 && seen <= _log.BaseIndex)
        {
            // Compacted, hence applied, hence committed.
            return Task.FromResult(Reply(WriteStatus.Ok, seen, null));
        }
        else
        {
            if (command.ExpectedVersion is { } expected)
            {
                var (found, version, _) = _state.GetLatest(command.Key);
                var current = found ? version : 0;
                if (current != expected)
                {
                    return RefuseCompareAndSetAsync(command, current, version);
                }
            }

            index = _log.LastIndex + 1;
            AppendToLog(new LogEntry(index, _epoch, command.Operation, command.Key, command.Value, command.WriteId, now));
        }

        // An entry of an earlier epoch is safe only once this epoch's first entry commits (Raft's rule): a retry
        // that finds one waits for that, not merely for copies of it. The grain hands Orleans the pending write's
        // own task: acknowledging it costs no turn of its own.
        var mustHold = _log[index].Epoch == _epoch ? index : Math.Max(index, primary.EpochStartIndex);
        var required = command.Concern.RequiredReplicas(_nodeCount);
        if (mustHold != index)
        {
            required = Math.Max(required, primary.Tracker.MajorityReplicas);
        }

        return primary.Tracker.Track(mustHold, required, now + command.Timeout.Ticks, Reply(WriteStatus.Ok, index, null)).Reply;
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

    private WriteReply TimedOut(PendingWrite pending)
    {
        // pending.Index may be later than the write's own entry (an earlier epoch's entry waits for this epoch's first).
        var confirmed = _primary?.Tracker.CountHolding(pending.Index) ?? 0;
        return new WriteReply(WriteStatus.Timeout, _epoch, pending.Acknowledged.Index, 0, confirmed, pending.RequiredReplicas, _nodeCount - 1, _primaryIndex,
            $"{confirmed} of {_nodeCount - 1} replicas confirmed before the deadline; {pending.RequiredReplicas} required.");
    }

    /// <summary>A compare-and-set that found another version reports it only once that version is committed and leadership is confirmed,
    /// so that the refusal never reflects a write a failover could lose.</summary>
    private async Task<WriteReply> RefuseCompareAndSetAsync(WriteCommand command, long current, long versionIndex)
    {
        var epoch = _epoch;
        var mustCommit = Math.Max(versionIndex, _primary?.EpochStartIndex ?? 0);
        if (!await WaitForAppliedAsync(mustCommit, command.Timeout) || !await ConfirmLeadershipAsync() || _epoch != epoch)
        {
            return Reply(WriteStatus.Unavailable, 0, "The primary could not confirm the key's current version with a majority in time.");
        }

        return new WriteReply(WriteStatus.VersionMismatch, _epoch, 0, current, 0, 0, _nodeCount - 1, _primaryIndex,
            $"The key's version is {current}, not {command.ExpectedVersion}.");
    }

    private string? ValidateWrite(WriteCommand c)
    {
        try
        {
            ReplicationLimits.ValidateKey(c.Key, _options.MaxKeyBytes);
            if (c.Operation == LogOperation.Put)
            {
                ReplicationLimits.ValidateValue(c.Value, _options.MaxValueBytes);
            }
            else if (c.Operation != LogOperation.Delete)
            {
                return $"Operation {c.Operation} is not a client write.";
            }

            c.Concern.Validate(_nodeCount);
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }

        if (c.Timeout <= TimeSpan.Zero || c.Timeout > _options.MaxWriteTimeout)
        {
            return $"The write timeout {c.Timeout} must be positive and at most {_options.MaxWriteTimeout}.";
        }

        return c.ExpectedVersion is < 0 ? "An expected version must not be negative." : null;
    }

    private WriteReply Reply(WriteStatus status, long index, string? message) =>
        new(status, _epoch, index, 0, 0, 0, Math.Max(0, _nodeCount - 1), _primaryIndex, message);

    /// <summary>Recomputes the commit index from the replicas' positions and acknowledges the writes whose concern holds.</summary>
    private void AdvanceCommit()
    {
        if (_primary is not { } primary)
        {
            return;
        }

        var links = primary.Links;
        Span<long> matches = stackalloc long[links.Length];
        for (var i = 0; i < links.Length; i++)
        {
            matches[i] = links[i].MatchIndex;
        }

        var majorityPoint = Math.Min(primary.Tracker.Update(matches), _log.LastIndex);
        if (majorityPoint > _commitIndex && _log.TryGetEpoch(majorityPoint, out var epoch) && epoch == _epoch)
        {
            SetCommitIndex(majorityPoint);
        }
    }

    private void PumpAll()
    {
        if (_primary is { } primary)
        {
            PumpAll(primary);
        }
    }

    private void PumpAll(PrimaryRole primary)
    {
        foreach (var link in primary.SendTo)
        {
            Pump(link);
        }
    }

    public Task<bool> AddLearnerAsync(int learner, long epoch)
    {
        if (_primary is not { } primary || epoch != _epoch)
        {
            return Task.FromResult(false);
        }

        if (learner < _nodeCount || learner >= ReplicationLimits.MaxNodeCount)
        {
            throw new ArgumentOutOfRangeException(nameof(learner), learner, $"A learner of a group of {_nodeCount} is node {_nodeCount}..{ReplicationLimits.MaxNodeCount - 1}.");
        }

        if (!Array.Exists(primary.SendTo, l => l.NodeIndex == learner))
        {
            var link = new ReplicaLink(learner, GrainFactory.GetGrain<IReplicaNodeGrain>(GroupNames.NodeKey(_group, learner)))
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

    /// <summary>Sends what <paramref name="link"/>'s replica lacks, keeping up to MaxInFlightBatches calls in flight.</summary>
    /// <remarks>Entries that pile up while calls are in flight go out together in the next call: batches grow with load.</remarks>
    private void Pump(ReplicaLink link)
    {
        while (_primary is { } primary && link.InFlight < _options.MaxInFlightBatches && !link.SnapshotInProgress && NowTicks >= link.RetryAtTicks)
        {
            if (link.NextIndex <= _log.BaseIndex)
            {
                _ = SendSnapshotAsync(link);
                return;
            }

            var count = (int)Math.Min(_options.MaxBatchEntries, _log.LastIndex - link.NextIndex + 1);
            if (count <= 0 && (link.SentCommit >= _commitIndex || link.InFlight > 0))
            {
                return;
            }

            if (count <= 0 && link.Incarnation != Guid.Empty && link.AppliedIndex >= Math.Min(_commitIndex, link.MatchIndex))
            {
                // The replica has applied all it holds that is committed (in a small group it commits on its own): a
                // call carrying only the commit index would tell it nothing. A replica not heard from yet is called
                // at once all the same: a new primary's first call tells it who leads.
                link.SentCommit = _commitIndex;
                return;
            }

            var prevIndex = link.NextIndex - 1;
            _log.TryGetEpoch(prevIndex, out var prevEpoch);
            var entries = count > 0 ? _log.Slice(link.NextIndex, count) : [];
            var request = new AppendRequest(_epoch, _index, _nodeCount, prevIndex, prevEpoch, entries, _commitIndex, _log.LastIndex, IsProbe: false, ++link.Sequence,
                entries.Length > 0 ? primary.RoutedBatches.Take(link, entries[^1].Index) : null);
            link.NextIndex += entries.Length;
            link.SentCommit = _commitIndex;
            _ = SendAsync(link, request);
        }
    }

    /// <summary>Sends one replication call and handles its reply; returns the reply, or null when the call failed.</summary>
    private async Task<AppendResponse?> SendAsync(ReplicaLink link, AppendRequest request)
    {
        var generation = link.Generation;
        link.InFlight++;
        AppendResponse response;
        try
        {
            response = await link.Node.AppendAsync(request).WaitAsync(_options.ReplicationCallTimeout, _time);
        }
        catch (Exception e)
        {
            link.InFlight--;
            OnCallFailed(link, generation, e);
            SettleRoutedBatches(link, request.Acks, -1, Guid.Empty);
            return null;
        }

        link.InFlight--;
        OnReply(link, request.Epoch, response, generation);
        SettleRoutedBatches(link, request.Acks, response.Status == AppendStatus.Ok && response.Epoch == request.Epoch ? response.LastIndex : -1, response.Incarnation);
        return response;
    }

    /// <summary>After a call that carried <paramref name="routes"/> ended: see <see cref="RoutedBatches.Settle"/>.</summary>
    private void SettleRoutedBatches(ReplicaLink link, AckRoute[]? routes, long heldUpTo, Guid incarnation)
    {
        if (routes is not null && _primary is { } primary)
        {
            primary.RoutedBatches.Settle(link, routes, heldUpTo, incarnation);
        }
    }

    private void OnCallFailed(ReplicaLink link, int generation, Exception error)
    {
        if (_primary is null || generation != link.Generation)
        {
            return;
        }

        link.Failures++;
        link.LastError = error.GetType().Name + ": " + error.Message;
        link.Rewind(link.MatchIndex + 1);
        var backoff = Math.Min(TimeSpan.FromSeconds(1).Ticks, TimeSpan.FromMilliseconds(20).Ticks << Math.Min(link.Failures, 6));
        link.RetryAtTicks = NowTicks + backoff;
    }

    private void OnReply(ReplicaLink link, long sentEpoch, AppendResponse response, int generation)
    {
        if (response.Epoch > _epoch)
        {
            StepDown(response.Epoch);
            return;
        }

        if (_primary is not { } primary || sentEpoch != _epoch || !link.Observe(response.Incarnation))
        {
            return;
        }

        link.LastReplyTicks = NowTicks;
        link.Failures = 0;
        link.LastError = null;
        link.AppliedIndex = Math.Max(link.AppliedIndex, response.AppliedIndex);
        switch (response.Status)
        {
            case AppendStatus.Ok:
                link.Accepted(response.LastIndex, _log.LastIndex);
                if (primary.HandOverDone is { } done && link.NodeIndex == primary.HandOverTarget && link.MatchIndex >= _log.LastIndex)
                {
                    done.TrySetResult();
                }

                AdvanceCommit();
                break;
            case AppendStatus.Mismatch when generation == link.Generation:
                link.Rewind(Math.Max(link.MatchIndex, response.LastIndex) + 1);
                break;
            case AppendStatus.NeedSnapshot when generation == link.Generation:
                link.Rewind(Math.Max(link.MatchIndex + 1, _log.BaseIndex));
                break;
        }

        Pump(link);
    }

    private void StepDown(long newerEpoch)
    {
        LogSteppedDown(_group, _index, _epoch, newerEpoch);
        BecomeReplica(newerEpoch, -1, _nodeCount);
    }

    private Task OnHeartbeatAsync()
    {
        if (_primary is not { } primary)
        {
            return Task.CompletedTask;
        }

        var now = NowTicks;
        primary.Tracker.ExpireOverdue(now, TimedOut);
        primary.RoutedBatches.TellOverdue(now - _options.HeartbeatInterval.Ticks);
        foreach (var link in primary.SendTo)
        {
            if (link.InFlight > 0 || link.SnapshotInProgress || now < link.RetryAtTicks)
            {
                continue;
            }

            if (link.NextIndex <= _log.LastIndex || link.SentCommit < _commitIndex)
            {
                Pump(link);
            }
            else
            {
                _ = SendAsync(link, Probe());
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Each replica's lag as this primary sees it: entries after the replica's last reported applied index, and the age of the first of them.</summary>
    /// <remarks>
    /// The primary stamped every entry when it appended it, so the age is exact as of the replica's last reply; a
    /// replica that stopped answering only grows older here, never younger. An entry already compacted away is
    /// older than the oldest one kept, whose age is then a lower bound.
    /// </remarks>
    private ReplicaLag[] ReplicaLags(PrimaryRole primary)
    {
        var now = NowTicks;
        var links = primary.Links;
        var lags = new ReplicaLag[links.Length];
        for (var i = 0; i < links.Length; i++)
        {
            var link = links[i];
            var applied = Math.Min(link.AppliedIndex, _log.LastIndex);
            var entries = _log.LastIndex - applied;
            var ms = 0.0;
            var oldest = Math.Max(applied + 1, _log.BaseIndex + 1);
            if (entries > 0 && oldest <= _log.LastIndex)
            {
                // With no entry kept to date it (a log just reset by a snapshot), the replica's own figure stands.
                ms = Math.Max(0, now - _log[oldest].CreatedTicks) / (double)TimeSpan.TicksPerMillisecond;
            }

            lags[i] = new ReplicaLag(link.NodeIndex, applied, entries, ms);
        }

        return lags;
    }

    private AppendRequest Probe() =>
        new(_epoch, _index, _nodeCount, 0, 0, [], _commitIndex, _log.LastIndex, IsProbe: true);

    [LoggerMessage(Level = LogLevel.Information, Message = "Primary {Group}/{Index} handed over: node {Target} holds the whole log ({LastIndex}).")]
    private partial void LogHandedOver(string group, int index, int target, long lastIndex);

    [LoggerMessage(Level = LogLevel.Information, Message = "Primary {Group}/{Index} syncs node {Learner} to join the group (epoch {Epoch}); it counts toward no quorum yet.")]
    private partial void LogLearnerAdded(string group, int index, int learner, long epoch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {Group}/{Index} steps down: epoch {Epoch} was replaced by {NewerEpoch}.")]
    private partial void LogSteppedDown(string group, int index, long epoch, long newerEpoch);
}
