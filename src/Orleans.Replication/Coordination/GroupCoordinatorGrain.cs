using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Replication.Options;
using Orleans.Replication.Placement;
using Orleans.Replication.Protocol;

namespace Orleans.Replication.Coordination;

/// <summary>
/// The control plane of one group: its size, epoch and primary; failover and switchover. Writes and reads never pass
/// through it.
/// </summary>
/// <remarks>
/// A group is created on first use with the silo's <see cref="ReplicationOptions.DefaultNodeCount"/>, or explicitly
/// with <see cref="CreateAsync"/>; creation tells every node its role in epoch 1, node 0 leading. The coordinator keeps
/// no state of its own that the nodes do not also hold: activated again after its silo died, it rebuilds the route
/// from the nodes. Reentrant so that route lookups are never stuck behind a check of a hung primary; every change of
/// the route runs under <see cref="_change"/>, one at a time.
/// </remarks>
[Reentrant]
[DistinctNodePlacement]
[CollectionAgeLimit(AlwaysActive = true)]
internal sealed partial class GroupCoordinatorGrain(
    IOptions<ReplicationOptions> options,
    TimeProvider time,
    ILocalSiloDetails silo,
    IClusterMembershipService membership,
    ILogger<GroupCoordinatorGrain> logger) : Grain, IGroupCoordinatorGrain
{
    private static readonly TimeSpan RegistrationInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan FirstElectionBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxElectionBackoff = TimeSpan.FromSeconds(8);

    /// <summary>How long after a failover the coordinator stays where it is, even beside the new primary.</summary>
    private static readonly TimeSpan SettleAfterFailover = TimeSpan.FromSeconds(15);
    private readonly ReplicationOptions _options = options.Value;
    private readonly SemaphoreSlim _change = new(1, 1);
    private GroupRoute? _route;
    private string? _primarySilo;
    private Guid _primaryIncarnation;
    private int _missedChecks;
    private int _failovers;
    private long _lastRegisteredTicks;
    private long _lastFailoverTicks;
    private long _lastMoveTicks;
    private TimeSpan _electionBackoff = FirstElectionBackoff;
    private long _nextElectionTicks;
    private bool _checking;

    private string Group => this.GetPrimaryKeyString();

    private long NowTicks => time.GetUtcNow().UtcTicks;

    /// <summary>
    /// The deadline of calls that change a node's role or that run once per activation: longer than a check of the
    /// primary.
    /// </summary>
    private TimeSpan PatientTimeout => _options.PrimaryCheckTimeout * 4;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        GroupNames.Validate(Group);
        this.RegisterGrainTimer(
            CheckPrimaryAsync,
            new GrainTimerCreationOptions(_options.PrimaryCheckInterval, _options.PrimaryCheckInterval)
            {
                Interleave = true,
                KeepAlive = true,
            }
        );
        this.RegisterGrainTimer(
            SweepAsync,
            new GrainTimerCreationOptions(SweepInterval, SweepInterval) { Interleave = true, KeepAlive = true }
        );
        return Task.CompletedTask;
    }

    public async Task<GroupRoute> GetRouteAsync() => _route ?? await LoadAsync(_options.DefaultNodeCount);

    public async Task<GroupRoute> CreateAsync(GroupConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        configuration.Validate();
        var existing = await LoadAsync(configuration.NodeCount);
        return existing.NodeCount == configuration.NodeCount
            ? existing
            : throw new InvalidOperationException(
                $"Group '{Group}' already exists with {existing.NodeCount} nodes; it cannot be created again with " +
                $"{configuration.NodeCount}."
            );
    }

    public async Task<GroupStatus> GetStatusAsync()
    {
        var route = await GetRouteAsync();
        var nodes = await Task.WhenAll(Enumerable.Range(0, route.NodeCount).Select(i => GetNodeStatusAsync(route, i)));
        route = _route ?? route;
        DateTimeOffset? nextElection = route.HasPrimary
            ? null
            : new DateTimeOffset(Math.Max(_nextElectionTicks, NowTicks), TimeSpan.Zero);
        return new GroupStatus(
            Group,
            route.Epoch,
            route.PrimaryIndex,
            route.NodeCount,
            Diagnostics.ReplicationMonitor.WithPrimaryView(nodes, route.PrimaryIndex),
            route.Problem,
            _failovers,
            _underReplicatedSince,
            _repair,
            nextElection
        );
    }

    public async Task OnSiloDeadAsync(string silo)
    {
        if (_route is { } route && HostsNode(silo))
        {
            // Re-create what was lost now, not at the next sweep; a silo's death may also be what a stuck group waited
            // for.
            ResetElectionBackoff();
            SweepAsync().Ignore();
        }

        if (_route is { } current && current.HasPrimary && _primarySilo == silo)
        {
            await FailoverAsync(current.Epoch, $"the primary's silo {silo} is dead", preferred: null);
        }
    }

    public async Task ReportPrimaryTroubleAsync(long epoch)
    {
        if (
            _route is { } route
            && route.Epoch == epoch
            && route.HasPrimary
            && await ProbePrimaryAsync(route) is { } trouble
        )
        {
            await FailoverAsync(route.Epoch, "a client could not reach the primary and " + trouble, preferred: null);
        }
    }

    /// <summary>
    /// The periodic check: the primary must answer, as primary of the current epoch, in the same incarnation.
    /// </summary>
    private async Task CheckPrimaryAsync()
    {
        if (_checking)
        {
            return;
        }

        _checking = true;
        try
        {
            if (NowTicks - _lastRegisteredTicks > RegistrationInterval.Ticks)
            {
                _lastRegisteredTicks = NowTicks;
                _ = GrainFactory.GetGrain<IGroupDirectoryGrain>(0).RegisterAsync(Group);
            }

            if (_route is not { } route)
            {
                return;
            }

            if (!route.HasPrimary)
            {
                // Try again now and then, backing off while no majority answers; nodes coming back cut the wait short.
                if (NowTicks >= _nextElectionTicks)
                {
                    await FailoverAsync(route.Epoch, route.Problem ?? "the group has no primary", preferred: null);
                }

                return;
            }

            if (await ProbePrimaryAsync(route) is not { } check)
            {
                _missedChecks = 0;
                return;
            }

            LogCheckFailed(Group, route.PrimaryIndex, check.Trouble, _missedChecks + 1);
            if (++_missedChecks >= _options.PrimaryCheckFailures || check.IsConclusive)
            {
                await FailoverAsync(route.Epoch, check.Trouble, preferred: null);
            }
        }
        finally
        {
            _checking = false;
        }
    }

    /// <summary>
    /// Placement puts a node re-created after its silo died on a silo holding no other node of the group when there is
    /// one; when there is none at that moment (the dead silo's replacement has not joined yet), it shares. Once an
    /// active silo hosts no node, one sharing replica moves there, so that one silo's loss never takes two nodes: a
    /// replica still catching up simply starts again there; a caught-up one carries its data with it (see
    /// <c>RelocateAsync</c> on the node), so the group never has fewer caught-up copies because of a move. One move at
    /// a time, only while every node answers.
    /// </summary>
    private async Task SpreadNodesAsync(GroupRoute route, NodeStatus[] nodes)
    {
        if (nodes.Any(n => n.Unreachable) || NowTicks - _lastMoveTicks < MoveSettleTime.Ticks)
        {
            return;
        }

        var shared = nodes.GroupBy(n => n.Silo).FirstOrDefault(g => g.Count() > 1);
        var free = shared is null ? null : ActiveSilos().FirstOrDefault(s => nodes.All(n => n.Silo != s.ToString()));
        var mover = shared?.Where(n => n.NodeIndex != route.PrimaryIndex).OrderBy(n => n.CaughtUp).FirstOrDefault();
        if (free is null || mover is null)
        {
            return;
        }

        _lastMoveTicks = NowTicks;
        LogSpreading(Group, mover.NodeIndex, mover.Silo, free.ToString(), mover.CaughtUp);
        try
        {
            await Node(mover.NodeIndex).RelocateAsync(free).WaitAsync(_options.PrimaryCheckTimeout, time);
            _placements[mover.NodeIndex] = (free, NowTicks);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogSpreadFailed(Group, mover.NodeIndex, e.Message);
        }
    }

    /// <summary>How long after moving a node the coordinator waits before it moves another.</summary>
    private static readonly TimeSpan MoveSettleTime = TimeSpan.FromSeconds(3);

    /// <summary>
    /// A coordinator on the primary's silo dies with it, and the failover would wait for it to be activated again. So
    /// the coordinator moves to another silo when it finds itself beside the primary, but only to a silo that hosts a
    /// node which has just answered, caught up (a frozen silo is still called active by membership for a while), and
    /// never during or right after a failover. It carries no state: it rebuilds from the nodes.
    /// </summary>
    private void MoveAwayFromPrimary(NodeStatus[] sweep)
    {
        var here = silo.SiloAddress;
        if (_primarySilo != here.ToString() || NowTicks - _lastFailoverTicks < SettleAfterFailover.Ticks)
        {
            return;
        }

        var answered = sweep.Where(n => n.CaughtUp && !n.Unreachable).Select(n => n.Silo).ToHashSet();
        var target = ActiveSilos().FirstOrDefault(s => !s.Equals(here) && answered.Contains(s.ToString()));
        if (target is not null)
        {
            LogMovingAway(Group, target.ToString());
            RequestContext.Set(Orleans.Runtime.Placement.IPlacementDirector.PlacementHintKey, target);
            this.MigrateOnIdle();
        }
    }

    private void ResetElectionBackoff()
    {
        _electionBackoff = FirstElectionBackoff;
        _nextElectionTicks = 0;
    }

    /// <summary>
    /// After an election without a majority: the next waits 1, 2, 4, then 8 s, unless nodes come back first.
    /// </summary>
    private void BackOffElection()
    {
        _nextElectionTicks = NowTicks + _electionBackoff.Ticks;
        _electionBackoff = _electionBackoff * 2 > MaxElectionBackoff ? MaxElectionBackoff : _electionBackoff * 2;
    }

    /// <summary>Null when the primary answers as it should; otherwise what is wrong.</summary>
    private async Task<PrimaryCheck?> ProbePrimaryAsync(GroupRoute route)
    {
        NodeStatus status;
        try
        {
            status = await Node(route.PrimaryIndex).GetStatusAsync().WaitAsync(_options.PrimaryCheckTimeout, time);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new PrimaryCheck(PrimaryTrouble.Unanswered, $"did not answer ({e.GetType().Name})");
        }

        if (status.Role != NodeRole.Primary || status.Epoch != route.Epoch)
        {
            return new PrimaryCheck(PrimaryTrouble.NotPrimary, $"answered as {status.Role} of epoch {status.Epoch}");
        }

        if (_primaryIncarnation != Guid.Empty && status.Incarnation != _primaryIncarnation)
        {
            return new PrimaryCheck(PrimaryTrouble.Reactivated, "was activated again and lost its state");
        }

        if (ReferenceEquals(_route, route))
        {
            // Not if a failover replaced the route while this probe of the old primary was out.
            _primaryIncarnation = status.Incarnation;
            _primarySilo = status.Silo;
        }

        return null;
    }

    private async Task<NodeStatus> GetNodeStatusAsync(GroupRoute route, int index)
    {
        try
        {
            return await Node(index).GetStatusAsync().WaitAsync(_options.PrimaryCheckTimeout, time);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new NodeStatus(
                index,
                NodeRole.Unassigned,
                "?",
                route.Epoch,
                0,
                0,
                0,
                0,
                0,
                false,
                Guid.Empty,
                0,
                "unreachable: " + e.Message,
                Unreachable: true
            );
        }
    }

    private IReplicaNodeGrain Node(int index) =>
        GrainFactory.GetGrain<IReplicaNodeGrain>(GroupNames.NodeKey(Group, index));

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Group {Group} created with {NodeCount} nodes; node 0 is primary of epoch 1."
    )]
    private partial void LogGroupCreated(string group, int nodeCount);

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Group {Group}: the coordinator shares the primary's silo; it moves to {Silo}."
    )]
    private partial void LogMovingAway(string group, string silo);

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Group {Group}: nodes share a silo; node {Index} moves from {From} to {To} (caught up: {CaughtUp})."
    )]
    private partial void LogSpreading(string group, int index, string from, string to, bool caughtUp);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Group {Group}: node {Index} could not move ({Reason}).")]
    private partial void LogSpreadFailed(string group, int index, string reason);

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Group {Group}: check of primary {Primary} failed ({Trouble}), {Missed} in a row."
    )]
    private partial void LogCheckFailed(string group, int primary, string trouble, int missed);

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Group {Group}: route rebuilt from the nodes: epoch {Epoch}, primary {Primary}, {NodeCount} nodes."
    )]
    private partial void LogRouteRebuilt(string group, long epoch, int primary, int nodeCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Group {Group}: failing over from epoch {Epoch}: {Reason}.")]
    private partial void LogFailoverStarted(string group, long epoch, string reason);

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Group {Group}: node {Primary} promoted, epoch {Epoch} (log ends at {LastIndex}); {Voters} of " +
            "{NodeCount} nodes voted."
    )]
    private partial void LogPromoted(string group, int primary, long epoch, long lastIndex, int voters, int nodeCount);

    [LoggerMessage(Level = LogLevel.Error, Message = "Group {Group}: no promotion in epoch {Epoch}: {Problem}.")]
    private partial void LogNoPromotion(string group, long epoch, string problem);

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Group {Group}: node {Index} could not be told its role ({Reason}); it will follow the primary " +
            "when reachable."
    )]
    private partial void LogAssignFailed(string group, int index, string reason);
}
