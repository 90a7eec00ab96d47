using Microsoft.Extensions.Logging;

namespace Orleans.Replication.Coordination;

/// <summary>
/// Keeping the group whole: where lost nodes are re-created, the sweep that wakes and adopts them, and the record of a
/// group running short.
/// </summary>
/// <remarks>
/// A node lives in memory on one silo. When that silo dies, the next call to the node activates it again, empty,
/// wherever placement puts it; placement asks this coordinator (<see cref="PlaceNodeAsync"/>), which answers with the
/// active silo holding the fewest other nodes of the group. The coordinator does not wait for anyone to call: every
/// <see cref="SweepInterval"/>, and at once when membership declares a silo hosting a node dead, it asks every node for
/// its status. That call re-creates a lost node; a node that answers unassigned or in an older epoch is told the
/// current route, and the primary then syncs it (snapshot, then the log). Until every node is caught up in the current
/// epoch on a silo of its own, the group is under-replicated: the status, the
/// <c>replication.under_replicated.duration</c> gauge and a warning in the log say so, and say since when.
/// </remarks>
internal sealed partial class GroupCoordinatorGrain
{
    /// <summary>How often every node of the group is asked for its status.</summary>
    internal static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);

    /// <summary>How long a placement decision counts as where a node is, until a sweep sees the node.</summary>
    private static readonly TimeSpan PlacementMemory = TimeSpan.FromSeconds(10);

    /// <summary>Each node's latest answer to a sweep, and when it came.</summary>
    private readonly Dictionary<int, (NodeStatus Status, long Ticks)> _sightings = [];

    /// <summary>Silos chosen by <see cref="PlaceNodeAsync"/> for nodes not yet seen there.</summary>
    private readonly Dictionary<int, (SiloAddress Silo, long Ticks)> _placements = [];

    private DateTimeOffset? _underReplicatedSince;
    private string? _repair;
    private bool _sweeping;
    private NodeStatus[] _lastSweep = [];

    public Task<NodePlacement> PlaceNodeAsync(int index)
    {
        // Before the first sweep the coordinator knows no more than the formula does.
        if (_route is not { } route || index < 0 || index >= ReplicationLimits.MaxNodeCount || _sightings.Count == 0)
        {
            return Task.FromResult(new NodePlacement(null));
        }

        var active = ActiveSilos();
        if (active.Length == 0)
        {
            return Task.FromResult(new NodePlacement(null));
        }

        if (AwayOnDisk(index, active) is { } away)
        {
            return Task.FromResult(new NodePlacement(null, away));
        }

        var load = active.ToDictionary(s => s, _ => 0);
        for (var j = 0; j < Math.Max(route.NodeCount, index + 1); j++)
        {
            if (j != index && WhereIs(j, active) is { } at)
            {
                load[at]++;
            }
        }

        // Among equally loaded silos, a rotation per group and node, so that many groups spread their nodes.
        var start = (int)(
            (Placement.DistinctNodePlacementDirector.StableHash(Group) + (uint)index) % (uint)active.Length
        );
        var chosen = Enumerable
            .Range(0, active.Length)
            .Select(k => active[(start + k) % active.Length])
            .OrderBy(s => load[s])
            .First();
        _placements[index] = (chosen, NowTicks);
        LogPlaced(Group, index, chosen.ToString(), load[chosen]);
        return Task.FromResult(new NodePlacement(chosen));
    }

    /// <summary>
    /// When node <paramref name="index"/> was last seen keeping its data on the disk of a silo that is not active
    /// now, and went away less than <see cref="Options.ReplicationOptions.DiskNodeReturnGrace"/> ago: why it must not
    /// be re-created elsewhere yet (its silo would find it again, and catch up from its log's end). Null otherwise.
    /// </summary>
    private string? AwayOnDisk(int index, SiloAddress[] active)
    {
        if (!_sightings.TryGetValue(index, out var seen) || seen.Status.DataDirectory is null
            || active.Any(s => s.ToString() == seen.Status.Silo))
        {
            _awaySince.Remove(index);
            return null;
        }

        if (!_awaySince.TryGetValue(index, out var since))
        {
            _awaySince[index] = since = NowTicks;
        }

        var waited = TimeSpan.FromTicks(NowTicks - since);
        return waited < _options.DiskNodeReturnGrace
            ? $"node {index} of group '{Group}' keeps its data on the disk of silo {seen.Status.Silo}, which is " +
                $"away; it is re-created elsewhere if that silo is not back within " +
                $"{_options.DiskNodeReturnGrace.TotalSeconds:0} s ({waited.TotalSeconds:0} s so far)"
            : null;
    }

    /// <summary>When each node kept on a disk was first found with its silo away.</summary>
    private readonly Dictionary<int, long> _awaySince = [];

    /// <summary>The active silos, in address order, as this silo's membership sees them.</summary>
    private SiloAddress[] ActiveSilos()
    {
        var active = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active)
            .Select(m => m.SiloAddress)
            .ToArray();
        Array.Sort(active);
        return active;
    }

    /// <summary>
    /// The active silo node <paramref name="index"/> lives on, as far as the coordinator knows; null if none.
    /// </summary>
    private SiloAddress? WhereIs(int index, SiloAddress[] active)
    {
        _sightings.TryGetValue(index, out var seen);
        if (_placements.TryGetValue(index, out var placed) && NowTicks - placed.Ticks < PlacementMemory.Ticks
            && (seen.Status is null || placed.Ticks > seen.Ticks))
        {
            return active.Contains(placed.Silo) ? placed.Silo : null;
        }

        return seen.Status is { } status ? active.FirstOrDefault(s => s.ToString() == status.Silo) : null;
    }

    /// <summary>
    /// Moves node <paramref name="index"/>, which holds nothing yet (a learner about to be synced), to the silo
    /// <see cref="PlaceNodeAsync"/> chooses when it lives beside another node of the group: an earlier lookup may have
    /// activated it where the formula put it. Best effort: where it cannot move, it stays.
    /// </summary>
    private async Task PlaceEmptyNodeAsync(int index, long deadlineTicks)
    {
        var status = await Node(index).GetStatusAsync().WaitAsync(PatientTimeout, time);
        var active = ActiveSilos();
        var sharing = Enumerable
            .Range(0, _route?.NodeCount ?? 0)
            .Any(j => j != index && WhereIs(j, active)?.ToString() == status.Silo);
        if (
            !sharing
            || status.LastIndex > 0
            || (await PlaceNodeAsync(index)).Silo is not { } target
            || target.ToString() == status.Silo
        )
        {
            return;
        }

        await Node(index).RelocateAsync(target).WaitAsync(PatientTimeout, time);
        while (NowTicks < deadlineTicks)
        {
            try
            {
                if ((await Node(index).GetStatusAsync().WaitAsync(PatientTimeout, time)).Silo == target.ToString())
                {
                    return;
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Moving: not yet.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), time);
        }
    }

    /// <summary>Whether a sighting puts a node on <paramref name="silo"/>.</summary>
    private bool HostsNode(string silo) =>
        _sightings.Values.Any(s => s.Status.Silo == silo) || _placements.Values.Any(p => p.Silo.ToString() == silo);

    /// <summary>
    /// Asks every node for its status, adopts nodes that came back, and records whether the group is short.
    /// </summary>
    private async Task SweepAsync()
    {
        if (_sweeping || _route is not { } route || route.Epoch == 0)
        {
            return;
        }

        _sweeping = true;
        try
        {
            var nodes = await Task.WhenAll(
                Enumerable.Range(0, route.NodeCount).Select(i => GetNodeStatusAsync(route, i))
            );
            var now = NowTicks;
            var improved = false;
            foreach (var node in nodes.Where(n => !n.Unreachable))
            {
                var before = _lastSweep.FirstOrDefault(b => b.NodeIndex == node.NodeIndex);
                improved |=
                    before is null
                    || before.Unreachable
                    || (node.CaughtUp && !before.CaughtUp)
                    || before.Incarnation != node.Incarnation;
                _sightings[node.NodeIndex] = (node, now);
                _placements.Remove(node.NodeIndex);
            }

            _lastSweep = nodes;
            if (improved && _route is { HasPrimary: false })
            {
                // Nodes came back: the next election need not wait out its back-off.
                ResetElectionBackoff();
            }

            await AdoptAsync(nodes);
            RecordReplication(_route ?? route, nodes);
            if (_route is { HasPrimary: true } current && ReferenceEquals(current, route))
            {
                await SpreadNodesAsync(current, nodes);
                MoveAwayFromPrimary(nodes);
            }
        }
        finally
        {
            _sweeping = false;
        }
    }

    /// <summary>
    /// Tells the current route to nodes that answered unassigned (activated again after their silo died) or in an
    /// older epoch. Under the change lock, and only if no change is under way, so a node is never given a route that a
    /// failover is replacing.
    /// </summary>
    private async Task AdoptAsync(NodeStatus[] nodes)
    {
        if (_route is not { HasPrimary: true } route)
        {
            return;
        }

        var strays = nodes.Where(n => !n.Unreachable && n.NodeIndex != route.PrimaryIndex
                                      && (n.Role == NodeRole.Unassigned || n.Epoch < route.Epoch)).ToList();
        if (strays.Count == 0 || !await _change.WaitAsync(0))
        {
            return;
        }

        try
        {
            if (ReferenceEquals(_route, route))
            {
                foreach (var stray in strays)
                {
                    LogAdopting(Group, stray.NodeIndex, stray.Silo, route.Epoch);
                }

                await Task.WhenAll(
                    strays.Select(s => AssignAsync(route, s.NodeIndex, bootstrap: false, required: false))
                );
            }
        }
        finally
        {
            _change.Release();
        }
    }

    /// <summary>
    /// Works out whether the group is short of caught-up nodes on distinct silos, and logs when that starts and ends.
    /// </summary>
    private void RecordReplication(GroupRoute route, NodeStatus[] nodes)
    {
        var problems = new List<string>();
        if (!route.HasPrimary)
        {
            problems.Add("no primary: " + (route.Problem ?? "none elected yet"));
        }

        foreach (var node in nodes)
        {
            var trouble = node switch
            {
                { Unreachable: true } => "unreachable; it is re-created on a live silo when called",
                { Role: NodeRole.Unassigned } => $"activated again on {node.Silo}, not yet assigned",
                _ when node.Epoch < route.Epoch => $"still in epoch {node.Epoch}",
                { CaughtUp: false } => $"catching up on {node.Silo} (log at {node.LastIndex})",
                _ => null,
            };
            if (trouble is not null)
            {
                problems.Add($"node {node.NodeIndex} {trouble}");
            }
        }

        foreach (var shared in nodes.Where(n => !n.Unreachable).GroupBy(n => n.Silo).Where(g => g.Count() > 1))
        {
            problems.Add($"nodes {string.Join(", ", shared.Select(n => n.NodeIndex))} share silo {shared.Key}");
        }

        _repair = problems.Count == 0 ? null : string.Join("; ", problems);
        if (problems.Count > 0 && _underReplicatedSince is null)
        {
            _underReplicatedSince = time.GetUtcNow();
            LogUnderReplicated(Group, _repair!);
        }
        else if (problems.Count == 0 && _underReplicatedSince is { } since)
        {
            _underReplicatedSince = null;
            LogReplicatedAgain(Group, route.NodeCount, (time.GetUtcNow() - since).TotalSeconds);
        }

        Diagnostics.ReplicationMetrics.SetUnderReplicated(Group, _underReplicatedSince);
    }

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Group {Group}: node {Index} placed on {Silo} ({Others} other nodes of the group there)."
    )]
    private partial void LogPlaced(string group, int index, string silo, int others);

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Group {Group}: node {Index} on {Silo} came back; it follows the primary of epoch {Epoch}."
    )]
    private partial void LogAdopting(string group, int index, string silo, long epoch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Group {Group} is under-replicated: {Repair}.")]
    private partial void LogUnderReplicated(string group, string repair);

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Group {Group} has {NodeCount} caught-up nodes on distinct silos again, after {Seconds:0.0} s."
    )]
    private partial void LogReplicatedAgain(string group, int nodeCount, double seconds);
}
