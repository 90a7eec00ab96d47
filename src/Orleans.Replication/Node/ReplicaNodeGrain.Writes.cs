using Orleans.Replication.Diagnostics;
using Orleans.Replication.Primary;
using Orleans.Replication.Protocol;

namespace Orleans.Replication.Node;

/// <summary>The primary's side: taking writes, tracking their concern, and moving the commit index.</summary>
internal sealed partial class ReplicaNodeGrain
{
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

    /// <summary>
    /// Accepts a call's writes in order (see <see cref="Accept"/>); the caller then calls <see cref="Appended"/> once.
    /// </summary>
    private Task<WriteReply>[] AcceptAll(WriteCommand[] commands, long now)
    {
        var replies = new Task<WriteReply>[commands.Length];
        for (var i = 0; i < commands.Length; i++)
        {
            replies[i] = Accept(commands[i], now);
        }

        return replies;
    }

    /// <summary>
    /// After a call's writes were accepted: one count, one commit check and one replication pass for all of them.
    /// </summary>
    private void Appended(long appendedFrom)
    {
        if (_log.LastIndex > appendedFrom)
        {
            ReplicationMetrics.WritesAppended(_group, _log.LastIndex - appendedFrom);
        }

        if (_primary is { } primary && primary.SyncWanted > SyncedIndex)
        {
            RequestSync(); // the primary's own copy of writes that must be on disk
        }

        AdvanceCommit();
        PumpAll();
    }

    /// <summary>
    /// Validates a write and, when this node leads, appends it and starts tracking its concern. Replication is started
    /// by the caller.
    /// </summary>
    private Task<WriteReply> Accept(WriteCommand command, long now)
    {
        if (command is null)
        {
            return Task.FromResult(Reply(WriteStatus.Invalid, 0, "A write command must not be null."));
        }

        if (_primary is not { } primary)
        {
            return Task.FromResult(
                Reply(WriteStatus.NotPrimary, 0, $"Node {_group}/{_index} is not the primary of epoch {_epoch}.")
            );
        }

        if (primary.HandingOver)
        {
            return Task.FromResult(
                Reply(WriteStatus.Unavailable, 0, $"Node {_group}/{_index} is handing over to another primary.")
            );
        }

        if (ValidateWrite(command) is { } invalid)
        {
            return Task.FromResult(Reply(WriteStatus.Invalid, 0, invalid));
        }

        long index;
        if (
            _writeIds.TryGet(command.WriteId, out var seen)
            && seen > _log.BaseIndex
            && seen <= _log.LastIndex
            && _log[seen].WriteId == command.WriteId
        )
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
            AppendToLog(
                new LogEntry(index, _epoch, command.Operation, command.Key, command.Value, command.WriteId, now)
            );
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

        var tracker = primary.Tracker;
        if (command.Durability == Durability.Disk && WritesBuffered)
        {
            // This log is written buffered: the write waits for fsynced copies, which its replicas are asked for.
            tracker = primary.DiskTracker ??= new CommitTracker(_nodeCount, OwnSyncedIndex);
            primary.SyncWanted = Math.Max(primary.SyncWanted, mustHold);
        }

        return tracker.Track(mustHold, required, now + command.Timeout.Ticks, Reply(WriteStatus.Ok, index, null)).Reply;
    }

    private WriteReply TimedOut(PendingWrite pending)
    {
        // pending.Index may be later than the write's own entry (an earlier epoch's entry waits for this epoch's
        // first).
        var confirmed = _primary?.Tracker.CountHolding(pending.Index) ?? 0;
        return new WriteReply(
            WriteStatus.Timeout,
            _epoch,
            pending.Acknowledged.Index,
            0,
            confirmed,
            pending.RequiredReplicas,
            _nodeCount - 1,
            _primaryIndex,
            $"{confirmed} of {_nodeCount - 1} replicas confirmed before the deadline; {pending.RequiredReplicas} " +
            "required."
        );
    }

    /// <summary>A compare-and-set that found another version reports it only once that version is committed and
    /// leadership is confirmed, so that the refusal never reflects a write a failover could lose.</summary>
    private async Task<WriteReply> RefuseCompareAndSetAsync(WriteCommand command, long current, long versionIndex)
    {
        var epoch = _epoch;
        var mustCommit = Math.Max(versionIndex, _primary?.EpochStartIndex ?? 0);
        if (
            !await WaitForAppliedAsync(mustCommit, command.Timeout)
            || !await ConfirmLeadershipAsync()
            || _epoch != epoch
        )
        {
            return Reply(
                WriteStatus.Unavailable,
                0,
                "The primary could not confirm the key's current version with a majority in time."
            );
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

        if (!Enum.IsDefined(c.Durability))
        {
            return $"Durability {(int)c.Durability} is not Memory, Buffered or Disk.";
        }

        if (c.Durability > Durability.Memory && NodeDurability == Durability.Memory)
        {
            return $"Group '{_group}' keeps its writes at {NodeDurability} (its silos' Durability); a write cannot " +
                $"ask for {c.Durability}. Start the silos with that durability (and a data directory) for it.";
        }

        if (c.Timeout <= TimeSpan.Zero || c.Timeout > _options.MaxWriteTimeout)
        {
            return $"The write timeout {c.Timeout} must be positive and at most {_options.MaxWriteTimeout}.";
        }

        return c.ExpectedVersion is < 0 ? "An expected version must not be negative." : null;
    }

    private WriteReply Reply(WriteStatus status, long index, string? message) =>
        new(status, _epoch, index, 0, 0, 0, Math.Max(0, _nodeCount - 1), _primaryIndex, message);

    /// <summary>What the primary's own copy counts for: everything in memory, what is on disk with a log.</summary>
    private long OwnCommitIndex => _disk is null ? long.MaxValue : DurableIndex;

    /// <summary>What the primary's own copy counts for writes that must be fsynced.</summary>
    private long OwnSyncedIndex => SyncedIndex;

    /// <summary>
    /// Recomputes the commit index from the replicas' positions and acknowledges the writes whose concern holds.
    /// </summary>
    private void AdvanceCommit()
    {
        if (_primary is not { } primary)
        {
            return;
        }

        // A primary writing at Disk counts only fsynced copies: a replica writing buffered is not yet on disk.
        var links = primary.Links;
        var synced = _disk is { SyncMode: WriteAhead.LogSyncMode.Disk };
        Span<long> matches = stackalloc long[links.Length];
        for (var i = 0; i < links.Length; i++)
        {
            matches[i] = synced ? links[i].SyncedIndex : links[i].MatchIndex;
        }

        var majorityPoint = Math.Min(primary.Tracker.Update(matches, OwnCommitIndex), _log.LastIndex);
        if (primary.DiskTracker is { } diskTracker)
        {
            for (var i = 0; i < links.Length; i++)
            {
                matches[i] = links[i].SyncedIndex;
            }

            diskTracker.Update(matches, OwnSyncedIndex);
        }

        if (majorityPoint > _commitIndex && _log.TryGetEpoch(majorityPoint, out var epoch) && epoch == _epoch)
        {
            SetCommitIndex(majorityPoint);
        }
    }
}
