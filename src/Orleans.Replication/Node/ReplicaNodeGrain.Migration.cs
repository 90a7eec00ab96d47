using Microsoft.Extensions.Logging;
using Orleans.Replication.Protocol;
using Orleans.Replication.Replica;

namespace Orleans.Replication.Node;

/// <summary>
/// Moving a replica to another silo with its data: copied to the new activation before the old one is gone.
/// </summary>
/// <remarks>
/// Orleans migrates an activation by dehydrating it after deactivation and rehydrating the new one before it handles
/// anything; messages in between wait and are forwarded. The replica's applied state, its log beyond it and its place
/// in the epoch travel in one <see cref="NodeMigrationState"/>, under the same incarnation: the node still holds
/// everything it confirmed, so the primary goes on counting it and the group never has one copy fewer for a move.
/// A node holding more than <see cref="MaxCarriedEntries"/> keys and entries is not moved while caught up: Orleans
/// drops a migration it cannot transfer, and the node would come back empty.
/// </remarks>
internal sealed partial class ReplicaNodeGrain : IGrainMigrationParticipant
{
    /// <summary>The most keys and log entries a caught-up node carries when it moves.</summary>
    internal const int MaxCarriedEntries = 250_000;

    private const string MigrationKey = "orepl.node";

    /// <summary>What a move would carry: keys of the applied state and entries of the log.</summary>
    private int CarriedEntries => _state.Count + _log.Count;

    /// <summary>Set once <see cref="RelocateAsync"/> asked this activation to move.</summary>
    private bool _relocating;

    /// <summary>True when this activation was rehydrated from a moved one.</summary>
    private bool _rehydrated;

    public Task RelocateAsync(SiloAddress target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (_primary is not null)
        {
            throw new InvalidOperationException(
                $"Node {_group}/{_index} is the primary; switch over before moving it."
            );
        }

        if (_disk is not null && _caughtUp)
        {
            throw new InvalidOperationException(
                $"Node {_group}/{_index} keeps its data on the disk of this silo; it is not moved away from it."
            );
        }

        var carried = CarriedEntries;
        if (_caughtUp && carried > MaxCarriedEntries)
        {
            throw new InvalidOperationException(
                $"Node {_group}/{_index} holds {carried} keys and entries, more than the {MaxCarriedEntries} a move " +
                "carries; it stays where it is."
            );
        }

        LogRelocating(_group, _index, target.ToString(), carried);
        _relocating = true;
        RequestContext.Set(Orleans.Runtime.Placement.IPlacementDirector.PlacementHintKey, target);
        this.MigrateOnIdle();
        return Task.CompletedTask;
    }

    public void OnDehydrate(IDehydrationContext dehydrationContext)
    {
        ArgumentNullException.ThrowIfNull(dehydrationContext);
        if (_replica is not { } replica || CarriedEntries > MaxCarriedEntries || _disks is not null)
        {
            return; // the new activation starts empty and catches up, as after a crash
        }

        var applied = _state.AppliedIndex;
        _log.TryGetEpoch(applied, out var appliedEpoch);
        var tail = applied < _log.LastIndex ? _log.Slice(applied + 1, (int)(_log.LastIndex - applied)) : [];
        var state = new NodeMigrationState(
            _incarnation,
            _epoch,
            _primaryIndex,
            _nodeCount,
            _commitIndex,
            _caughtUp,
            _epochFloor,
            replica.VerifiedIndex,
            replica.LeaderLastIndex,
            replica.LastContactTicks,
            replica.LastSequence,
            replica.SequenceOf.Epoch,
            replica.SequenceOf.Leader,
            applied,
            appliedEpoch,
            _state.Snapshot(),
            _writeIds.Snapshot(applied),
            tail
        );
        dehydrationContext.TryAddValue(MigrationKey, state);
    }

    public void OnRehydrate(IRehydrationContext rehydrationContext)
    {
        ArgumentNullException.ThrowIfNull(rehydrationContext);
        if (!rehydrationContext.TryGetValue<NodeMigrationState>(MigrationKey, out var s))
        {
            return;
        }

        _incarnation = s.Incarnation;
        _epoch = s.Epoch;
        _primaryIndex = s.PrimaryIndex;
        _nodeCount = s.NodeCount;
        _epochFloor = s.EpochFloor;
        _state.Install(s.Items, s.AppliedIndex);
        _log.Reset(s.AppliedIndex, s.AppliedEpoch);
        _writeIds.Restore(s.WriteIds, NowTicks);
        foreach (var entry in s.Tail)
        {
            AppendToLog(entry);
        }

        _commitIndex = s.CommitIndex;
        _caughtUp = s.CaughtUp;
        _replica = new ReplicaRole(s.VerifiedIndex, NewParkedAppends())
        {
            LeaderLastIndex = s.LeaderLastIndex,
            LastContactTicks = s.LastContactTicks,
            LastSequence = s.LastSequence,
            SequenceOf = (s.SequenceEpoch, s.SequenceLeader),
        };
        _rehydrated = true;
    }

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Node {Group}/{Index} moves to silo {Silo}, carrying {Entries} keys and entries."
    )]
    private partial void LogRelocating(string group, int index, string silo, int entries);

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Node {Group}/{Index} arrived with its data: applied {Applied}, log ends at {LastIndex}."
    )]
    private partial void LogArrived(string group, int index, long applied, long lastIndex);
}

/// <summary>What a moving replica carries to its new activation.</summary>
[GenerateSerializer, Immutable, Alias("orepl.NodeMigrationState")]
internal sealed record NodeMigrationState(
    [property: Id(0)] Guid Incarnation,
    [property: Id(1)] long Epoch,
    [property: Id(2)] int PrimaryIndex,
    [property: Id(3)] int NodeCount,
    [property: Id(4)] long CommitIndex,
    [property: Id(5)] bool CaughtUp,
    [property: Id(6)] long EpochFloor,
    [property: Id(7)] long VerifiedIndex,
    [property: Id(8)] long LeaderLastIndex,
    [property: Id(9)] long LastContactTicks,
    [property: Id(10)] long LastSequence,
    [property: Id(11)] long SequenceEpoch,
    [property: Id(12)] int SequenceLeader,
    [property: Id(13)] long AppliedIndex,
    [property: Id(14)] long AppliedEpoch,
    [property: Id(15)] SnapshotItem[] Items,
    [property: Id(16)] WriteIdRecord[] WriteIds,
    [property: Id(17)] LogEntry[] Tail);
