using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Replication.Diagnostics;
using Orleans.Replication.Options;
using Orleans.Replication.Placement;
using Orleans.Replication.Primary;
using Orleans.Replication.Protocol;
using Orleans.Replication.Replica;
using Orleans.Replication.Storage;

namespace Orleans.Replication.Node;

/// <summary>One copy of a group's data: the log, the applied state, and the role it plays in its epoch.</summary>
/// <remarks>
/// The grain is reentrant so that many writes can wait for replication at once, but every handler that
/// changes the log or the state runs without an await in between, so each is atomic on the grain's single
/// scheduler. The activation lives as long as its silo (<c>AlwaysActive</c>): its state is in memory, and a
/// node activated again after its silo died starts empty, under a new <see cref="_incarnation"/>. A node reset out
/// of its group takes a new incarnation too: it holds nothing that any primary saw it confirm.
/// <para>
/// The grain keeps what every role shares: the state, the log, the epoch, the incarnation and the route (who leads).
/// What only a leader keeps is in its <see cref="PrimaryRole"/>, what only a follower keeps in its
/// <see cref="ReplicaRole"/>; at most one of them is set, and which one is the node's <see cref="Role"/>.
/// </para>
/// </remarks>
[Reentrant]
[DistinctNodePlacement]
[CollectionAgeLimit(AlwaysActive = true)]
internal sealed partial class ReplicaNodeGrain : Grain, IReplicaNodeGrain
{
    private readonly ReplicationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILocalSiloDetails _silo;
    private readonly ILogger<ReplicaNodeGrain> _logger;
    private Guid _incarnation = Guid.NewGuid();
    private readonly ReplicationLog _log = new();
    private readonly KeyValueState _state = new();
    private readonly WriteIdWindow _writeIds;
    private readonly List<(long Index, TaskCompletionSource Done)> _appliedWaiters = [];

    private string _group = "";
    private int _index;
    private int _nodeCount;
    private long _epoch;
    private int _primaryIndex = -1;
    private long _commitIndex;

    /// <summary>
    /// True once this activation holds every committed entry it has been told of: set at group creation, when a
    /// primary's batch brings it up to the primary's commit index, or after a snapshot. A node activated again
    /// empty is not caught up, so it never counts toward a promotion.
    /// </summary>
    private bool _caughtUp;

    /// <summary>Set while this node leads its epoch; null otherwise.</summary>
    private PrimaryRole? _primary;

    /// <summary>Set while this node follows a primary (or waits for one in its epoch); null otherwise.</summary>
    private ReplicaRole? _replica;

    /// <summary>
    /// The group's epoch as the coordinator reported it to this activation: no older leader is followed.
    /// </summary>
    private long _epochFloor;

    public ReplicaNodeGrain(
        IOptions<ReplicationOptions> options,
        TimeProvider time,
        ILocalSiloDetails silo,
        ILogger<ReplicaNodeGrain> logger
    )
    {
        _options = options.Value;
        _time = time;
        _silo = silo;
        _logger = logger;
        _writeIds = new WriteIdWindow(_options.DeduplicationWindow, _options.MaxDeduplicationEntries);
    }

    /// <summary>The role this node plays, as its role objects say.</summary>
    private NodeRole Role =>
        _primary is not null ? NodeRole.Primary
        : _replica is not null ? NodeRole.Replica
        : NodeRole.Unassigned;

    /// <summary>
    /// Highest index known to match the leader's log: what a replica verified; for any other node, what is committed.
    /// </summary>
    private long VerifiedIndex => _replica?.VerifiedIndex ?? _commitIndex;

    private long NowTicks => _time.GetUtcNow().UtcTicks;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_group, _index) = GroupNames.ParseNodeKey(this.GetPrimaryKeyString());
        GroupNames.Validate(_group);
        if (!_rehydrated)
        {
            _nodeCount = _options.DefaultNodeCount;
        }

        await OpenDiskAsync(cancellationToken);
        if (_rehydrated)
        {
            LogArrived(_group, _index, _state.AppliedIndex, _log.LastIndex);
        }

        // An activation nobody assigns (a lookup of a node index the group does not have) goes away after a while.
        this.RegisterGrainTimer(() =>
        {
            if (Role == NodeRole.Unassigned && _log.LastIndex == 0)
            {
                this.DeactivateOnIdle();
            }

            return Task.CompletedTask;
        },
            new GrainTimerCreationOptions(UnassignedLifetime, UnassignedLifetime) { Interleave = true }
        );
        this.RegisterGrainTimer(
            PublishLag,
            new GrainTimerCreationOptions(LagPublishInterval, LagPublishInterval) { Interleave = true }
        );
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_publishedLag)
        {
            WithdrawLag();
        }

        // A node told to move leaves its disk copy behind (it starts afresh where it goes), as does one that never held
        // anything. A silo that stops keeps its nodes' copies, whatever the runtime does with the activations.
        var leaves = (_relocating && reason.ReasonCode == DeactivationReasonCode.Migrating)
            || (Role == NodeRole.Unassigned && _log.LastIndex == 0 && _epoch == 0);
        await CloseDiskAsync(delete: leaves);
    }

    /// <summary>How long an activation may stay unassigned and empty before it deactivates itself.</summary>
    private static readonly TimeSpan UnassignedLifetime = TimeSpan.FromMinutes(1);

    public Task<NodeStatus> AssignAsync(NodeAssignment assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        if (assignment.Group != _group || assignment.NodeIndex != _index)
        {
            throw new ArgumentException(
                $"Assignment for {assignment.Group}/{assignment.NodeIndex} sent to node {_group}/{_index}.",
                nameof(assignment)
            );
        }

        ReplicationLimits.ValidateNodeCount(assignment.NodeCount);
        if (assignment.ExpectedIncarnation != Guid.Empty && assignment.ExpectedIncarnation != _incarnation)
        {
            LogWrongIncarnation(_group, _index, assignment.Epoch);
            return Task.FromResult(BuildStatus());
        }

        ThrowIfStopped();
        if (assignment.PrimaryIndex == _index && assignment.Epoch <= _recoveredEpoch)
        {
            // It may have led that epoch before its restart: a follower could hold entries of it this log lacks.
            LogWontLeadRecoveredEpoch(_group, _index, assignment.Epoch);
            return Task.FromResult(BuildStatus());
        }

        var bootstrap = assignment.Bootstrap && assignment.Epoch >= _epoch && _log.LastIndex == 0;
        if (bootstrap)
        {
            _caughtUp = true;
        }

        if (
            assignment.Epoch > _epoch
            || (assignment.Epoch == _epoch && (Role == NodeRole.Unassigned || _primaryIndex < 0))
        )
        {
            if (assignment.PrimaryIndex == _index)
            {
                BecomePrimary(assignment.Epoch, assignment.NodeCount);
            }
            else
            {
                BecomeReplica(assignment.Epoch, assignment.PrimaryIndex, assignment.NodeCount);
            }
        }

        if (bootstrap && _replica is { } replica)
        {
            // A new group's replica holds everything there is: it is as fresh as a message from its primary would make
            // it.
            replica.LastContactTicks = NowTicks;
        }

        return AnswerAfterDiskAsync();
    }

    /// <summary>The node's status once what this turn changed is on disk: a vote counts only once kept.</summary>
    private async Task<NodeStatus> AnswerAfterDiskAsync()
    {
        SaveStanding();
        if (!await WaitForDiskAsync())
        {
            ThrowIfStopped();
        }

        return BuildStatus();
    }

    private void ThrowIfStopped()
    {
        if (_diskFault is { } fault)
        {
            throw new InvalidOperationException(
                $"Node {_group}/{_index} stopped: writing its log failed ({fault.Message}).");
        }
    }

    public Task<NodeStatus> GetStatusAsync() => Task.FromResult(BuildStatus());

    /// <summary>The status, read from inside the silo without a call (a probe that never activates the node).</summary>
    internal NodeStatus Peek() => BuildStatus();

    public Task<WriteIngressAddress?> GetWriteIngressAsync()
    {
        var type = ServiceProvider.GetService(typeof(WriteIngressType)) as WriteIngressType;
        var gateway = _silo.GatewayAddress;
        if (type?.Value is not { } ingressType || gateway is null)
        {
            return Task.FromResult<WriteIngressAddress?>(null);
        }

        var ingress = SystemTargetGrainId.Create(ingressType, gateway).GrainId;
        return Task.FromResult<WriteIngressAddress?>(
            new WriteIngressAddress(ingress, gateway.Endpoint.Address.ToString(), gateway.Endpoint.Port)
        );
    }

    public Task<NodeStatus> BeginEpochAsync(long epoch, int nodeCount)
    {
        ReplicationLimits.ValidateNodeCount(nodeCount);
        ThrowIfStopped();
        if (epoch > _epoch)
        {
            LogEpochBegun(_group, _index, epoch, _log.LastIndex);
            BecomeReplica(epoch, -1, nodeCount);
        }

        return AnswerAfterDiskAsync();
    }

    public Task<NodeStatus> ResetAsync(long epoch)
    {
        if (epoch < _epoch)
        {
            // An older coordinator's request: this node has moved on since.
            return Task.FromResult(BuildStatus());
        }

        StopLeading(epoch);
        foreach (var (_, done) in _appliedWaiters)
        {
            done.TrySetException(new InvalidOperationException($"Node {_group}/{_index} left its group."));
        }

        _appliedWaiters.Clear();
        _replica = null;
        _epoch = epoch;
        _epochFloor = Math.Max(_epochFloor, epoch);
        _primaryIndex = -1;
        _commitIndex = 0;
        _caughtUp = false;
        _incarnation = Guid.NewGuid();
        _log.Reset(0, 0);
        _state.Install([], 0);
        _writeIds.Clear();
        WriteReset();
        LogReset(_group, _index, epoch);
        return AnswerAfterDiskAsync();
    }

    private NodeStatus BuildStatus()
    {
        var (lagEntries, lagMs) = ComputeLag();
        var healthyLag = _options.MaxHealthyLag.TotalMilliseconds;
        string? problem = (_primary, _replica) switch
        {
            ({ }, _) when lagMs > healthyLag => $"no majority heard for {lagMs:0} ms",
            ({ }, _) => null,
            (_, { LastContactTicks: 0 }) => "has not heard from a primary yet",
            (_, { }) when !_caughtUp => "catching up: it does not hold everything committed yet",
            (_, { }) when lagMs > healthyLag => $"{lagMs:0} ms behind the primary",
            (_, { }) => null,
            _ => "not assigned a role yet",
        };
        return new NodeStatus(
            _index,
            Role,
            _silo.SiloAddress.ToString(),
            _epoch,
            _log.LastIndex,
            _state.AppliedIndex,
            _commitIndex,
            lagEntries,
            lagMs,
            problem is null,
            _incarnation,
            _state.Count,
            problem,
            _log.LastEpoch,
            _caughtUp,
            _nodeCount,
            _primary is { } primary ? ReplicaLags(primary) : null,
            DurableIndex: DurableIndex,
            Durability: NodeDurability,
            DataDirectory: _disk?.Directory,
            SnapshotsInstalled: SnapshotsInstalled,
            SyncedIndex: SyncedIndex
        );
    }

    /// <summary>Moves the commit index forward and applies what it covers, in order.</summary>
    private void SetCommitIndex(long commitIndex)
    {
        commitIndex = Math.Min(commitIndex, _log.LastIndex);
        if (commitIndex <= _commitIndex)
        {
            return;
        }

        var previous = _commitIndex;
        _commitIndex = commitIndex;
        if (_primary is not null && ReplicationMetrics.CommitLatencyEnabled)
        {
            // Commit latency: from the primary appending an entry to a majority holding it (only while someone
            // listens).
            var now = NowTicks;
            for (var i = Math.Max(previous + 1, _log.BaseIndex + 1); i <= commitIndex; i++)
            {
                if (_log[i] is { Operation: not LogOperation.Noop } e && e.Epoch == _epoch)
                {
                    ReplicationMetrics.Committed(_group, TimeSpan.FromTicks(Math.Max(0, now - e.CreatedTicks)));
                }
            }
        }

        while (_state.AppliedIndex < _commitIndex)
        {
            _state.Apply(_log[_state.AppliedIndex + 1]);
        }

        ReleaseAppliedWaiters();
        CompactLog();
        MaybeWriteSnapshot();
    }

    /// <summary>Appends one entry to the log (primary or replica) and records its write id.</summary>
    private void AppendToLog(LogEntry entry)
    {
        _log.Append(entry);
        _state.NotePending(entry);
        _writeIds.Add(entry.WriteId, entry.Index, NowTicks);
        WriteEntry(entry);
    }

    /// <summary>
    /// Cuts log entries from <paramref name="fromIndex"/> on: a suffix of an older epoch the current primary does not
    /// have.
    /// </summary>
    private void TruncateLog(long fromIndex)
    {
        if (fromIndex <= _commitIndex)
        {
            throw new InvalidOperationException(
                $"Node {_group}/{_index} was asked to cut committed entries from {fromIndex} (commit {_commitIndex})."
            );
        }

        var removed = _log.TruncateSuffix(fromIndex);
        WriteTruncation(fromIndex);
        _writeIds.RemoveFrom(fromIndex, removed);
        _state.ResetPending(_log.Slice(_state.AppliedIndex + 1, int.MaxValue));
        LogTruncated(_group, _index, removed.Length, fromIndex);
    }

    /// <summary>
    /// Drops applied entries behind every replica's position, keeping a tail, within the bounds of the options.
    /// </summary>
    private void CompactLog()
    {
        var slack = Math.Max(64, _options.MinRetainedLogEntries / 4);
        if (_log.Count <= _options.MinRetainedLogEntries + slack)
        {
            return;
        }

        var target = _state.AppliedIndex - _options.MinRetainedLogEntries;
        if (_primary is { } primary)
        {
            foreach (var link in primary.SendTo)
            {
                target = Math.Min(target, link.SnapshotInProgress ? link.SnapshotIndex : link.MatchIndex);
            }
        }

        // The hard bound wins over a lagging replica: it will get a snapshot instead.
        target = Math.Max(target, _log.LastIndex - _options.MaxRetainedLogEntries);
        target = Math.Min(target, _state.AppliedIndex);
        if (target - _log.BaseIndex >= slack)
        {
            _log.CompactPrefix(target);
        }
    }

    /// <summary>
    /// Waits until the applied index reaches <paramref name="index"/>; false when <paramref name="timeout"/> passes
    /// first.
    /// </summary>
    private async Task<bool> WaitForAppliedAsync(long index, TimeSpan timeout)
    {
        if (_state.AppliedIndex >= index)
        {
            return true;
        }

        if (timeout <= TimeSpan.Zero)
        {
            return false;
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _appliedWaiters.Add((index, done));
        try
        {
            await done.Task.WaitAsync(timeout, _time);
            return true;
        }
        catch (TimeoutException)
        {
            _appliedWaiters.Remove((index, done));
            return _state.AppliedIndex >= index;
        }
    }

    private void ReleaseAppliedWaiters()
    {
        if (_appliedWaiters.Count == 0)
        {
            return;
        }

        for (var i = _appliedWaiters.Count - 1; i >= 0; i--)
        {
            if (_appliedWaiters[i].Index <= _state.AppliedIndex)
            {
                _appliedWaiters[i].Done.TrySetResult();
                _appliedWaiters.RemoveAt(i);
            }
        }
    }

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Node {Group}/{Index} is primary of epoch {Epoch} ({NodeCount} nodes, log ends at {LastIndex})."
    )]
    private partial void LogBecamePrimary(string group, int index, long epoch, int nodeCount, long lastIndex);

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Node {Group}/{Index} follows node {Primary} in epoch {Epoch}."
    )]
    private partial void LogBecameReplica(string group, int index, int primary, long epoch);

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Node {Group}/{Index} refuses an assignment for epoch {Epoch} meant for another activation of it."
    )]
    private partial void LogWrongIncarnation(string group, int index, long epoch);

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Node {Group}/{Index} enters epoch {Epoch} with no primary yet (log ends at {LastIndex})."
    )]
    private partial void LogEpochBegun(string group, int index, long epoch, long lastIndex);

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Node {Group}/{Index} refuses to lead epoch {Epoch}: it voted in that epoch before it restarted."
    )]
    private partial void LogWontLeadRecoveredEpoch(string group, int index, long epoch);

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Node {Group}/{Index} left its group in epoch {Epoch} and forgot its data."
    )]
    private partial void LogReset(string group, int index, long epoch);

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Node {Group}/{Index} cut {Count} entries of an older epoch from index {FromIndex}."
    )]
    private partial void LogTruncated(string group, int index, int count, long fromIndex);
}
