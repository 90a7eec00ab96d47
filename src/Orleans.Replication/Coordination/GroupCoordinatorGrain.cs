using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Replication.Options;
using Orleans.Replication.Placement;
using Orleans.Runtime;

namespace Orleans.Replication.Coordination;

/// <summary>The control plane of one group: its size, epoch and primary; failover and switchover. Writes and reads never pass through it.</summary>
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
    ILogger<GroupCoordinatorGrain> logger) : Grain, IGroupCoordinatorGrain
{
    private static readonly TimeSpan RegistrationInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan SpreadCheckInterval = TimeSpan.FromSeconds(2);
    private readonly ReplicationOptions _options = options.Value;
    private readonly SemaphoreSlim _change = new(1, 1);
    private GroupRoute? _route;
    private string? _primarySilo;
    private Guid _primaryIncarnation;
    private int _missedChecks;
    private int _failovers;
    private long _lastRegisteredTicks;
    private long _lastElectionTicks;
    private long _lastSpreadCheckTicks;
    private bool _checking;

    private string Group => this.GetPrimaryKeyString();

    private long NowTicks => time.GetUtcNow().UtcTicks;

    /// <summary>The deadline of calls that change a node's role or that run once per activation: longer than a check of the primary.</summary>
    private TimeSpan PatientTimeout => _options.PrimaryCheckTimeout * 4;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        GroupNames.Validate(Group);
        this.RegisterGrainTimer(CheckPrimaryAsync,
            new GrainTimerCreationOptions(_options.PrimaryCheckInterval, _options.PrimaryCheckInterval) { Interleave = true, KeepAlive = true });
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
                $"Group '{Group}' already exists with {existing.NodeCount} nodes; it cannot be created again with {configuration.NodeCount}.");
    }

    public async Task<GroupStatus> GetStatusAsync()
    {
        var route = await GetRouteAsync();
        var nodes = await Task.WhenAll(Enumerable.Range(0, route.NodeCount).Select(i => GetNodeStatusAsync(route, i)));
        return new GroupStatus(Group, route.Epoch, route.PrimaryIndex, route.NodeCount,
            Diagnostics.ReplicationMonitor.WithPrimaryView(nodes, route.PrimaryIndex), route.Problem, _failovers);
    }

    public async Task OnSiloDeadAsync(string silo)
    {
        if (_route is { } route && route.HasPrimary && _primarySilo == silo)
        {
            await FailoverAsync(route.Epoch, $"the primary's silo {silo} is dead", preferred: null);
        }
    }

    public async Task ReportPrimaryTroubleAsync(long epoch)
    {
        if (_route is { } route && route.Epoch == epoch && route.HasPrimary && await ProbePrimaryAsync(route) is { } trouble)
        {
            await FailoverAsync(route.Epoch, "a client could not reach the primary and " + trouble, preferred: null);
        }
    }

    /// <summary>The periodic check: the primary must answer, as primary of the current epoch, in the same incarnation.</summary>
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
                // Try again now and then: nodes may have come back.
                if (NowTicks - _lastElectionTicks > TimeSpan.FromSeconds(1).Ticks)
                {
                    _lastElectionTicks = NowTicks;
                    await FailoverAsync(route.Epoch, route.Problem ?? "the group has no primary", preferred: null);
                }

                return;
            }

            var trouble = await ProbePrimaryAsync(route);
            if (trouble is null)
            {
                _missedChecks = 0;
                if (NowTicks - _lastSpreadCheckTicks > SpreadCheckInterval.Ticks)
                {
                    _lastSpreadCheckTicks = NowTicks;
                    await SpreadNodesAsync(route);
                    await MoveAwayFromPrimaryAsync();
                }

                return;
            }

            LogCheckFailed(Group, route.PrimaryIndex, trouble, _missedChecks + 1);
            if (++_missedChecks >= _options.PrimaryCheckFailures || !trouble.StartsWith("did not answer", StringComparison.Ordinal))
            {
                await FailoverAsync(route.Epoch, trouble, preferred: null);
            }
        }
        finally
        {
            _checking = false;
        }
    }

    /// <summary>
    /// Placement puts a group's nodes on distinct silos, but a node re-created after its silo died is placed among
    /// the silos alive at that moment and may land beside another node of the group. When two nodes share a silo
    /// while an active silo hosts none, one replica moves there (it starts empty and catches up), so that one silo's
    /// loss never takes two nodes. One move per check, only while every node is caught up.
    /// </summary>
    private async Task SpreadNodesAsync(GroupRoute route)
    {
        var nodes = await Task.WhenAll(Enumerable.Range(0, route.NodeCount).Select(i => GetNodeStatusAsync(route, i)));
        if (nodes.Any(n => !n.CaughtUp || n.Silo == "?"))
        {
            return;
        }

        var shared = nodes.GroupBy(n => n.Silo).FirstOrDefault(g => g.Count() > 1);
        if (shared is null)
        {
            return;
        }

        var hosts = await GrainFactory.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        var free = hosts.Keys.Where(s => nodes.All(n => n.Silo != s.ToString())).OrderBy(s => s).FirstOrDefault();
        var mover = shared.FirstOrDefault(n => n.NodeIndex != route.PrimaryIndex);
        if (free is not null && mover is not null)
        {
            await Node(mover.NodeIndex).RelocateAsync(free).WaitAsync(_options.PrimaryCheckTimeout, time);
        }
    }

    /// <summary>
    /// A coordinator on the primary's silo dies with it and, activated again elsewhere, is unreachable until the
    /// cluster has settled the dead silo's directory entries: the failover would wait for that. So the coordinator
    /// moves to another silo when it finds itself beside the primary. It carries no state: it rebuilds from the nodes.
    /// </summary>
    private async Task MoveAwayFromPrimaryAsync()
    {
        var here = silo.SiloAddress;
        if (_primarySilo != here.ToString())
        {
            return;
        }

        var hosts = await GrainFactory.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        var target = hosts.Keys.Where(s => !s.Equals(here)).OrderBy(s => s).FirstOrDefault();
        if (target is not null)
        {
            LogMovingAway(Group, target.ToString());
            RequestContext.Set(Orleans.Runtime.Placement.IPlacementDirector.PlacementHintKey, target);
            this.MigrateOnIdle();
        }
    }

    /// <summary>Null when the primary answers as it should; otherwise what is wrong.</summary>
    private async Task<string?> ProbePrimaryAsync(GroupRoute route)
    {
        NodeStatus status;
        try
        {
            status = await Node(route.PrimaryIndex).GetStatusAsync().WaitAsync(_options.PrimaryCheckTimeout, time);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return $"did not answer ({e.GetType().Name})";
        }

        if (status.Role != NodeRole.Primary || status.Epoch != route.Epoch)
        {
            return $"answered as {status.Role} of epoch {status.Epoch}";
        }

        if (_primaryIncarnation != Guid.Empty && status.Incarnation != _primaryIncarnation)
        {
            return "was activated again and lost its state";
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
            return new NodeStatus(index, NodeRole.Unassigned, "?", route.Epoch, 0, 0, 0, 0, 0, false, Guid.Empty, 0, "unreachable: " + e.Message);
        }
    }

    private IReplicaNodeGrain Node(int index) => GrainFactory.GetGrain<IReplicaNodeGrain>(GroupNames.NodeKey(Group, index));

    [LoggerMessage(Level = LogLevel.Information, Message = "Group {Group} created with {NodeCount} nodes; node 0 is primary of epoch 1.")]
    private partial void LogGroupCreated(string group, int nodeCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Group {Group}: the coordinator shares the primary's silo; it moves to {Silo}.")]
    private partial void LogMovingAway(string group, string silo);

    [LoggerMessage(Level = LogLevel.Information, Message = "Group {Group}: check of primary {Primary} failed ({Trouble}), {Missed} in a row.")]
    private partial void LogCheckFailed(string group, int primary, string trouble, int missed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Group {Group}: route rebuilt from the nodes: epoch {Epoch}, primary {Primary}, {NodeCount} nodes.")]
    private partial void LogRouteRebuilt(string group, long epoch, int primary, int nodeCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Group {Group}: failing over from epoch {Epoch}: {Reason}.")]
    private partial void LogFailoverStarted(string group, long epoch, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Group {Group}: node {Primary} promoted, epoch {Epoch} (log ends at {LastIndex}); {Voters} of {NodeCount} nodes voted.")]
    private partial void LogPromoted(string group, int primary, long epoch, long lastIndex, int voters, int nodeCount);

    [LoggerMessage(Level = LogLevel.Error, Message = "Group {Group}: no promotion in epoch {Epoch}: {Problem}.")]
    private partial void LogNoPromotion(string group, long epoch, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Group {Group}: node {Index} could not be told its role ({Reason}); it will follow the primary when reachable.")]
    private partial void LogAssignFailed(string group, int index, string reason);
}
