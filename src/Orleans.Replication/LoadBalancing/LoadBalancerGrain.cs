using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Replication.Options;
using Orleans.Replication.Protocol;

namespace Orleans.Replication.LoadBalancing;

/// <summary>
/// The load-balancer state of one group: checks its nodes periodically and merges what clients report.
/// </summary>
/// <remarks>
/// Reentrant so that exchanges are never stuck behind a round of checks of a node that does not answer; the state
/// (<see cref="GroupLoad"/>) is changed only between awaits, on the grain's scheduler. Checks run only while clients
/// ask for snapshots: after <see cref="IdleAfter"/> without one they pause, and the next request checks first. The
/// grain stays active, as the coordinator does, because the read policy lives in its memory: when its silo is
/// lost it starts again from the silo's default policy (<see cref="ReplicationOptions.ReadStrategy"/> and the
/// options beside it), so set durable choices there and per-group changes with <c>SetPolicyAsync</c>.
/// </remarks>
[Reentrant]
[CollectionAgeLimit(AlwaysActive = true)]
internal sealed partial class LoadBalancerGrain(
    IOptions<ReplicationOptions> options,
    TimeProvider time,
    IClusterMembershipService membership,
    ILogger<LoadBalancerGrain> logger) : Grain, ILoadBalancerGrain
{
    /// <summary>How often the nodes are checked.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>With no client asking for this long, checks pause until one asks again.</summary>
    public static readonly TimeSpan IdleAfter = TimeSpan.FromSeconds(10);

    private long _lastAskedTicks;

    private static readonly NodeStatus Unanswered = new(
        -1,
        NodeRole.Unassigned,
        "?",
        0,
        0,
        0,
        0,
        0,
        0,
        false,
        Guid.Empty,
        0,
        null,
        Unreachable: true
    );
    private GroupLoad _load = null!;
    private Task? _check;
    private string? _lastOutSummary;

    private string Group => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        GroupNames.Validate(Group);
        _load = new GroupLoad(Group, time);
        _load.SetPolicy(
            new ReadRoutingPolicy(
                options.Value.ReadStrategy,
                options.Value.MaxReadLag,
                long.MaxValue,
                options.Value.MaxReadsInFlightPerNode
            )
        );
        _lastAskedTicks = time.GetUtcNow().UtcTicks;
        this.RegisterGrainTimer(
            OnTimerAsync,
            new GrainTimerCreationOptions(CheckInterval, CheckInterval) { Interleave = true, KeepAlive = false }
        );
        return Task.CompletedTask;
    }

    private Task OnTimerAsync()
    {
        if (time.GetUtcNow().UtcTicks - _lastAskedTicks > IdleAfter.Ticks)
        {
            // Nobody reads from the group: do not keep checking its nodes. The first exchange checks again at once.
            _load.MarkStale();
            return Task.CompletedTask;
        }

        return CheckOnceAsync();
    }

    public async Task<RoutingSnapshot> ExchangeAsync(LoadReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        _load.ObserveReport(report);
        _lastAskedTicks = time.GetUtcNow().UtcTicks;
        await FirstCheckAsync();
        return _load.Snapshot(report.ClientId);
    }

    public async Task<RoutingSnapshot> GetSnapshotAsync()
    {
        _lastAskedTicks = time.GetUtcNow().UtcTicks;
        await FirstCheckAsync();
        return _load.Snapshot(null);
    }

    public async Task<RoutingSnapshot> SetPolicyAsync(ReadRoutingPolicy policy)
    {
        _load.SetPolicy(policy);
        _lastAskedTicks = time.GetUtcNow().UtcTicks;
        LogPolicy(Group, policy.Strategy, policy.MaxReadLag.TotalMilliseconds, policy.MaxInFlightPerNode);
        await FirstCheckAsync();
        return _load.Snapshot(null);
    }

    private async Task FirstCheckAsync()
    {
        if (_load.IsStale)
        {
            await CheckOnceAsync();
        }
    }

    /// <summary>One round of checks at a time; callers that come meanwhile wait for the round under way.</summary>
    private Task CheckOnceAsync()
    {
        if (_check is { IsCompleted: false } running)
        {
            return running;
        }

        _check = CheckAsync();
        return _check;
    }

    private async Task CheckAsync()
    {
        var timeout = options.Value.PrimaryCheckTimeout;
        GroupRoute route;
        try
        {
            route = await GrainFactory.GetGrain<IGroupCoordinatorGrain>(Group).GetRouteAsync().WaitAsync(timeout, time);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogCheckFailed(Group, "the coordinator", e.Message);
            return;
        }

        var members = membership.CurrentSnapshot.Members;
        var nodes = await Task.WhenAll(
            Enumerable
                .Range(0, route.NodeCount)
                .Select(async i =>
                {
                    try
                    {
                        var status = await GrainFactory
                            .GetGrain<IReplicaNodeGrain>(GroupNames.NodeKey(Group, i))
                            .GetStatusAsync()
                            .WaitAsync(timeout, time);
                        var active = members.Values.Any(m =>
                            m.Status == SiloStatus.Active && m.SiloAddress.ToString() == status.Silo
                        );
                        return ((NodeStatus?)status, active, (string?)null);
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        return (null, false, e.GetType().Name + ": " + e.Message);
                    }
                })
        );
        var merged = Diagnostics.ReplicationMonitor.WithPrimaryView(
            nodes.Select(n => n.Item1 ?? Unanswered).ToArray(),
            route.PrimaryIndex
        );
        _load.ObserveCheck(route, [.. nodes.Select((n, i) => (n.Item1 is null ? null : merged[i], n.active, n.Item3))]);

        var snapshot = _load.Snapshot(null);
        var summary = string.Join(
            "; ",
            snapshot.Nodes.Where(n => !n.InRotation).Select(n => $"node {n.NodeIndex}: {n.OutReason}")
        );
        if (summary != _lastOutSummary)
        {
            _lastOutSummary = summary;
            LogRotationChanged(Group, summary.Length == 0 ? "every node in rotation" : summary);
        }
    }

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Group {Group}: read policy set to {Strategy}, lag bound {MaxLagMs} ms, {MaxInFlight} reads in " +
            "flight per node."
    )]
    private partial void LogPolicy(string group, LoadBalancingStrategy strategy, double maxLagMs, int maxInFlight);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Group {Group}: load balancer could not check {What}: {Reason}.")]
    private partial void LogCheckFailed(string group, string what, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Group {Group}: read rotation changed: {Summary}.")]
    private partial void LogRotationChanged(string group, string summary);
}
