using System.Buffers;
using Microsoft.Extensions.Logging;
using Orleans.Replication.Protocol;
using Orleans.Replication.WriteAhead;

namespace Orleans.Replication.Node;

/// <summary>The node's write-ahead log on its silo's disk: what it confirms is there first.</summary>
/// <remarks>
/// With a data directory every change of the log and of the node's standing goes to its <see cref="DurableLog"/>
/// in the same turn as in memory, in the same order: entries, truncations, the epoch and whom it follows (its
/// vote), its incarnation, the group's size, and the mark that this incarnation caught up. The disk's writer
/// completes them in order, so when a write completes everything before it is on disk too.
/// <list type="bullet">
/// <item>A replica answers a replication call only once what it confirms is on disk
/// (<see cref="DurableIndex"/>); a primary counts its own copy only from there, so a write is acknowledged when
/// a majority has it on disk, the primary writing while it replicates.</item>
/// <item>An answer to the coordinator (a new epoch, a role) waits for the vote it carries to be on disk.</item>
/// <item>A snapshot of the applied state is written every <c>SnapshotEveryEntries</c> entries; the log files
/// behind it are released.</item>
/// <item>A failed write or fsync stops the node: it leads and follows no one, and deactivates; its next
/// activation recovers from the directory.</item>
/// </list>
/// A node recovered from its own disk keeps its incarnation, epoch, vote and standing, so it votes in the next
/// election, and catches up from its log's end. It never leads an epoch it had voted in before the restart: a
/// follower could hold entries of that epoch that the recovered log lacks.
/// </remarks>
internal sealed partial class ReplicaNodeGrain
{
    private NodeDisks? _disks;
    private DurableLog? _disk;

    /// <summary>Entries up to here are in the log on disk (at the silo's durability).</summary>
    private long _durableIndex;

    /// <summary>Entries up to here are fsynced: with a buffered log, as of the last sync this node asked for.</summary>
    private long _syncedIndex;

    /// <summary>The last fsync this node asked its buffered log for (see <see cref="RequestSync"/>).</summary>
    private DiskTail _syncTail = new(Task.CompletedTask, 0, 0);

    /// <summary>Bumped by every truncation, reset and snapshot install: a write queued before one vouches for nothing
    /// after it.</summary>
    private int _diskGeneration;

    /// <summary>The last write queued on the disk: the batch every append of this turn shares.</summary>
    private DiskTail _diskTail = new(Task.CompletedTask, 0, 0);

    /// <summary>Where an entry is encoded before the log copies it into its batch (reused: one per node).</summary>
    private readonly ArrayBufferWriter<byte> _entryBuffer = new(256);

    private (long Epoch, int Leader) _savedVote = (-1, EpochVote.NoVote);
    private int _savedNodeCount;
    private Guid _savedIncarnation;
    private Guid _savedCaughtUp;

    /// <summary>The epoch this node had reached when it was recovered from disk: it never leads that one.</summary>
    private long _recoveredEpoch;

    private long _snapshotOnDisk;
    private bool _writingSnapshot;
    private Exception? _diskFault;

    /// <summary>What this node may confirm holding: its log's end in memory, or what of it is on disk.</summary>
    private long DurableIndex => _disk is null ? _log.LastIndex : Math.Min(_durableIndex, _log.LastIndex);

    /// <summary>What of <see cref="DurableIndex"/> is fsynced: all of it with a log written at
    /// <see cref="Durability.Disk"/>, nothing without a log.</summary>
    private long SyncedIndex => _disk is null ? 0
        : _disk.SyncMode == LogSyncMode.Disk ? DurableIndex
        : Math.Min(_syncedIndex, DurableIndex);

    private Durability NodeDurability => _disk is null ? Durability.Memory : _disks!.Durability;

    /// <summary>This node's log is written buffered: a write that must be on disk asks for its fsync.</summary>
    private bool WritesBuffered => _disk is { SyncMode: LogSyncMode.Buffered };

    /// <summary>Opens (and recovers) the node's log when the silo has a data directory.</summary>
    private async Task OpenDiskAsync(CancellationToken cancellationToken)
    {
        if (_rehydrated || ServiceProvider.GetService(typeof(NodeDisks)) is not NodeDisks { Enabled: true } disks)
        {
            return;
        }

        _disks = disks;
        var directory = disks.NodeDirectory(_group, _index);
        (DurableLog Log, RecoveredLog Recovered) opened;
        try
        {
            opened = await disks.Writer.OpenAsync(directory, disks.LogOptions).WaitAsync(cancellationToken);
        }
        catch (DurableLogCorruptException e)
        {
            var aside = disks.Writer.SetAside(directory);
            LogSetAside(_group, _index, e.Message, aside);
            opened = await disks.Writer.OpenAsync(directory, disks.LogOptions).WaitAsync(cancellationToken);
        }

        _disk = opened.Log;
        Recover(opened.Recovered);
        SaveStanding();

        // What a buffered log recovered may still be only in the page cache: it counts as fsynced once it is.
        RequestSync();
        await _diskTail.Write;
        await _syncTail.Write;
        OnSynced(_syncTail);
    }

    /// <summary>
    /// A batch of the disk's writer, the last entry index queued into it and the generation it was queued in: once
    /// it completes, every entry up to <see cref="Covers"/> is on disk. Appends of one turn usually share a batch, so
    /// one of these (and one continuation) serves all of them.
    /// </summary>
    private sealed class DiskTail(Task write, long covers, int generation)
    {
        public Task Write { get; } = write;

        public long Covers { get; set; } = covers;

        public int Generation { get; set; } = generation;
    }

    private void Recover(RecoveredLog recovered)
    {
        var metadata = recovered.Metadata;
        if (recovered.Snapshot is { } snapshot)
        {
            var state = NodeRecords.DecodeSnapshot(snapshot.State.Span);
            _state.Install(state.Items, snapshot.Index);
            _writeIds.Restore(state.WriteIds, NowTicks);
            _log.Reset(snapshot.Index, snapshot.Epoch);
            _commitIndex = snapshot.Index;
            _snapshotOnDisk = snapshot.Index;
        }

        foreach (var entry in recovered.Entries)
        {
            if (entry.Index == _log.LastIndex + 1)
            {
                var decoded = NodeRecords.DecodeEntry(entry.Index, entry.Epoch, entry.Payload.Span);
                _log.Append(decoded);
                _state.NotePending(decoded);
                _writeIds.Add(decoded.WriteId, decoded.Index, NowTicks);
            }
        }

        _durableIndex = _log.LastIndex;
        if (metadata.Incarnation is { } incarnation)
        {
            _incarnation = incarnation;
            _savedIncarnation = incarnation;
        }

        if (metadata.Vote is { } vote)
        {
            _epoch = vote.Epoch;
            _epochFloor = vote.Epoch;
            _primaryIndex = vote.Epoch > 0 ? vote.VotedFor : -1;
            _recoveredEpoch = vote.Epoch;
            _savedVote = (vote.Epoch, vote.VotedFor);
        }

        if (metadata.NodeCount is { } nodeCount)
        {
            _nodeCount = nodeCount;
            _savedNodeCount = nodeCount;
        }

        _caughtUp = metadata.CaughtUp is { } caughtUp && caughtUp == _incarnation;
        _savedCaughtUp = metadata.CaughtUp ?? Guid.Empty;
        if (_log.LastIndex > 0 || metadata.Vote is not null)
        {
            LogRecovered(_group, _index, _state.AppliedIndex, _log.LastIndex, _epoch, _caughtUp,
                recovered.TrimmedBytes);
        }
    }

    /// <summary>Queues an entry the node just appended in memory.</summary>
    private void WriteEntry(LogEntry entry)
    {
        if (_disk is { } disk && _diskFault is null)
        {
            // The log copies the payload into its batch at once, so the buffer is free again after the call.
            NodeRecords.EncodeEntry(entry, _entryBuffer);
            var append = disk.AppendEntryAsync(entry.Index, entry.Epoch, _entryBuffer.WrittenMemory);
            _entryBuffer.ResetWrittenCount();
            Track(append);
        }
    }

    /// <summary>Queues a cut of the log from <paramref name="fromIndex"/>.</summary>
    private void WriteTruncation(long fromIndex)
    {
        if (_disk is { } disk && _diskFault is null)
        {
            _diskGeneration++;
            _durableIndex = Math.Min(_durableIndex, fromIndex - 1);
            _syncedIndex = Math.Min(_syncedIndex, fromIndex - 1);
            if (disk.LastIndex >= fromIndex)
            {
                Track(disk.AppendTruncationAsync(fromIndex));
            }
        }
    }

    /// <summary>
    /// Queues what changed of the node's standing: vote, size, incarnation, caught-up mark. Called at the end of every
    /// turn that may change them.
    /// </summary>
    private void SaveStanding()
    {
        if (_disk is not { } disk || _diskFault is not null)
        {
            return;
        }

        if (_incarnation != _savedIncarnation)
        {
            _savedIncarnation = _incarnation;
            Track(disk.AppendIncarnationAsync(_incarnation));
        }

        if ((_epoch, _primaryIndex) != _savedVote)
        {
            _savedVote = (_epoch, _primaryIndex);
            Track(disk.AppendVoteAsync(_epoch, Math.Max(EpochVote.NoVote, _primaryIndex)));
        }

        if (_nodeCount != _savedNodeCount && _nodeCount > 0)
        {
            _savedNodeCount = _nodeCount;
            Track(disk.AppendMembershipAsync(_nodeCount));
        }

        if (_caughtUp && _savedCaughtUp != _incarnation)
        {
            _savedCaughtUp = _incarnation;
            Track(disk.AppendCaughtUpAsync(_incarnation));
        }
    }

    /// <summary>
    /// Makes <paramref name="write"/> the disk's tail: once it completes, every entry queued before it is on disk.
    /// </summary>
    private void Track(ValueTask write)
    {
        var task = write.AsTask();
        if (ReferenceEquals(task, _diskTail.Write))
        {
            // Another write into the batch already watched: it covers this one too.
            _diskTail.Covers = _log.LastIndex;
            _diskTail.Generation = _diskGeneration;
            return;
        }

        var tail = new DiskTail(task, _log.LastIndex, _diskGeneration);
        _diskTail = tail;
        if (task.IsCompletedSuccessfully)
        {
            OnDurable(tail.Covers, tail.Generation);
            return;
        }

        _ = WhenDurableAsync(tail);
    }

    private async Task WhenDurableAsync(DiskTail tail)
    {
        try
        {
            await tail.Write;
        }
        catch (Exception e)
        {
            OnDiskFault(e);
            return;
        }

        OnDurable(tail.Covers, tail.Generation);
    }

    private void OnDurable(long covers, int generation)
    {
        if (generation != _diskGeneration || covers <= _durableIndex)
        {
            return;
        }

        _durableIndex = covers;
        if (_primary is not null)
        {
            AdvanceCommit();
        }
    }

    /// <summary>
    /// Asks a buffered log for an fsync of everything appended so far; once done, <see cref="SyncedIndex"/> covers
    /// it (and a primary counts it for the writes that must be on disk).
    /// </summary>
    private void RequestSync()
    {
        if (_disk is not { SyncMode: LogSyncMode.Buffered } disk || _diskFault is not null
            || SyncedIndex >= _log.LastIndex
            || (_syncTail.Covers >= _log.LastIndex && _syncTail.Generation == _diskGeneration
                && !_syncTail.Write.IsCompleted))
        {
            return;
        }

        var tail = new DiskTail(disk.SyncAsync().AsTask(), _log.LastIndex, _diskGeneration);
        _syncTail = tail;
        _ = WhenSyncedAsync(tail);
    }

    private async Task WhenSyncedAsync(DiskTail tail)
    {
        try
        {
            await tail.Write;
        }
        catch (Exception e)
        {
            OnDiskFault(e);
            return;
        }

        OnSynced(tail);
    }

    private void OnSynced(DiskTail tail)
    {
        if (tail.Generation != _diskGeneration || tail.Covers <= _syncedIndex || !tail.Write.IsCompletedSuccessfully)
        {
            return;
        }

        _syncedIndex = tail.Covers;
        _durableIndex = Math.Max(_durableIndex, tail.Covers);
        if (_primary is not null)
        {
            AdvanceCommit();
        }
    }

    /// <summary>Waits for the fsync <see cref="RequestSync"/> asked for last; false when the disk failed.</summary>
    private async Task<bool> WaitForSyncAsync()
    {
        var tail = _syncTail;
        try
        {
            await tail.Write;
        }
        catch (Exception e)
        {
            OnDiskFault(e);
            return false;
        }

        OnSynced(tail);
        return _diskFault is null;
    }

    /// <summary>Waits until what this turn queued is on disk; false when the disk failed.</summary>
    private async Task<bool> WaitForDiskAsync()
    {
        if (_disk is null)
        {
            return true;
        }

        var tail = _diskTail;
        try
        {
            await tail.Write;
        }
        catch (Exception e)
        {
            OnDiskFault(e);
            return false;
        }

        OnDurable(tail.Covers, tail.Generation);
        return _diskFault is null;
    }

    /// <summary>Writes a snapshot of the applied state when enough was applied since the last one.</summary>
    private void MaybeWriteSnapshot()
    {
        // At most one snapshot per as many entries as the state has keys: its cost stays in proportion to the writes.
        if (_disk is not { } disk || _diskFault is not null || _writingSnapshot
            || _state.AppliedIndex - _snapshotOnDisk < Math.Max(_options.SnapshotEveryEntries, _state.Count))
        {
            return;
        }

        _writingSnapshot = true;
        _ = WriteSnapshotAsync(disk);
    }

    private async Task WriteSnapshotAsync(DurableLog disk)
    {
        try
        {
            var index = _state.AppliedIndex;
            _log.TryGetEpoch(index, out var epoch);
            var state = new NodeSnapshotState(_state.Snapshot(), _writeIds.Snapshot(index));
            var generation = _diskGeneration;
            var bytes = await Task.Run(() => NodeRecords.EncodeSnapshot(state));
            if (generation != _diskGeneration || _disk != disk || _diskFault is not null)
            {
                return; // the data changed under the snapshot (reset or installed): the next one covers it
            }

            await disk.WriteSnapshotAsync(index, epoch, bytes);
            _snapshotOnDisk = Math.Max(_snapshotOnDisk, index);
        }
        catch (Exception e)
        {
            OnDiskFault(e);
        }
        finally
        {
            _writingSnapshot = false;
        }
    }

    /// <summary>After a snapshot is installed from the primary: the disk gets it before the node confirms it.</summary>
    private void WriteInstalledSnapshot(long index, long epoch, SnapshotItem[] items, WriteIdRecord[] writeIds)
    {
        if (_disk is not { } disk || _diskFault is not null)
        {
            return;
        }

        _diskGeneration++;
        _durableIndex = Math.Min(_durableIndex, _commitIndex);
        _syncedIndex = Math.Min(_syncedIndex, _commitIndex);
        if (disk.LastIndex > index)
        {
            // Not tracked: only the snapshot behind it vouches for the entries up to its index.
            disk.AppendTruncationAsync(index + 1).AsTask().Ignore();
        }

        var bytes = NodeRecords.EncodeSnapshot(new NodeSnapshotState(items, writeIds));
        var write = disk.WriteSnapshotAsync(index, epoch, bytes);
        _snapshotOnDisk = index;
        Track(new ValueTask(write));
        TrackSnapshotSync(write);
    }

    /// <summary>A snapshot is fsynced in every mode: once written, what it covers counts as synced.</summary>
    private void TrackSnapshotSync(Task write)
    {
        if (WritesBuffered)
        {
            var tail = new DiskTail(write, _log.LastIndex, _diskGeneration);
            _syncTail = tail;
            _ = WhenSyncedAsync(tail);
        }
    }

    /// <summary>After the node forgot its data: so does its disk, before it answers.</summary>
    private void WriteReset()
    {
        if (_disk is not { } disk || _diskFault is not null)
        {
            return;
        }

        _diskGeneration++;
        _durableIndex = 0;
        _syncedIndex = 0;
        if (disk.LastIndex >= 1)
        {
            disk.AppendTruncationAsync(1).AsTask().Ignore();
        }

        var write = disk.WriteSnapshotAsync(0, 0, NodeRecords.EncodeSnapshot(new NodeSnapshotState([], [])));
        _snapshotOnDisk = 0;
        Track(new ValueTask(write));
        TrackSnapshotSync(write);
    }

    /// <summary>A failed write or fsync: the node stops (see the remarks above).</summary>
    private void OnDiskFault(Exception error)
    {
        if (_diskFault is not null)
        {
            return;
        }

        _diskFault = error;
        LogDiskFailed(_group, _index, _disk?.Directory ?? "", error.Message);
        StopLeading(null);
        _replica = null;
        _primaryIndex = -1;
        this.DeactivateOnIdle();
    }

    private async Task CloseDiskAsync(bool delete)
    {
        if (_disk is not { } disk)
        {
            return;
        }

        _disk = null;
        try
        {
            await disk.DisposeAsync();
            if (delete)
            {
                _disks!.Delete(_group, _index);
                LogDiskCopyDeleted(_group, _index, disk.Directory);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogDiskFailed(_group, _index, disk.Directory, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Node {Group}/{Index} recovered from disk: applied {Applied}, log ends at {LastIndex}, epoch " +
            "{Epoch}, caught up {CaughtUp}, {Trimmed} torn bytes trimmed.")]
    private partial void LogRecovered(string group, int index, long applied, long lastIndex, long epoch, bool caughtUp,
        long trimmed);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Node {Group}/{Index}: its log is damaged ({Problem}); the copy was set aside as {Aside} and the " +
            "node starts empty and catches up from its group.")]
    private partial void LogSetAside(string group, int index, string problem, string aside);

    [LoggerMessage(Level = LogLevel.Critical,
        Message = "Node {Group}/{Index}: writing its log in {Directory} failed ({Reason}); the node stops.")]
    private partial void LogDiskFailed(string group, int index, string directory, string reason);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Node {Group}/{Index}: its copy in {Directory} is no longer used and was deleted.")]
    private partial void LogDiskCopyDeleted(string group, int index, string directory);
}
