using Microsoft.Extensions.Logging;
using Orleans.Replication.Protocol;

namespace Orleans.Replication.Coordination;

/// <summary>Creating a group, rebuilding its route, and changing its primary.</summary>
/// <remarks>
/// A failover has two steps. First every reachable node is moved to a new epoch with no primary: from then on it
/// refuses the old primary's messages, so the old primary can no longer gather a majority for anything. Each answer
/// carries the node's last log entry. Then, if a majority of the group answered and is caught up in its current
/// incarnation, the node with the highest (epoch, index) of its last entry is promoted. Every write a majority
/// acknowledged is on at least one of those nodes, and log matching puts it on the chosen one. Without such a
/// majority nothing is promoted: the route says why, clients fail fast, and the periodic check tries again.
/// </remarks>
internal sealed partial class GroupCoordinatorGrain
{
    /// <summary>
    /// The route, loading it from the nodes or creating the group with <paramref name="nodeCount"/> nodes when it has
    /// none.
    /// </summary>
    private async Task<GroupRoute> LoadAsync(int nodeCount)
    {
        await _change.WaitAsync();
        try
        {
            if (_route is { } known)
            {
                return known;
            }

            ReplicationLimits.ValidateNodeCount(nodeCount);
            var rebuilt = await RebuildAsync();
            if (rebuilt is { Epoch: 0 })
            {
                return rebuilt;
            }

            if (rebuilt is not null)
            {
                _route = rebuilt;
                SweepAsync().Ignore();
                LogRouteRebuilt(Group, rebuilt.Epoch, rebuilt.PrimaryIndex, rebuilt.NodeCount);

                // The primary was lost while no coordinator watched: elect now rather than hand out a dead end.
                return rebuilt.HasPrimary
                    ? rebuilt
                    : await ElectAsync(rebuilt, rebuilt.Problem ?? "no primary", preferred: null);
            }

            var route = new GroupRoute(Group, Epoch: 1, PrimaryIndex: 0, nodeCount);

            // Replicas first, so the primary's first batch finds them ready; an unreachable replica catches up later.
            await Task.WhenAll(
                Enumerable.Range(1, nodeCount - 1).Select(i => AssignAsync(route, i, bootstrap: true, required: false))
            );
            var primary = await AssignAsync(route, 0, bootstrap: true, required: true);
            Remember(route, primary!);
            _lastPromoted = (0, primary!.Incarnation, route.Epoch);
            LogGroupCreated(Group, nodeCount);
            SweepAsync().Ignore();
            _ = GrainFactory.GetGrain<IGroupDirectoryGrain>(0).RegisterAsync(Group);
            return route;
        }
        finally
        {
            _change.Release();
        }
    }

    /// <summary>
    /// Asks the nodes what they know, when this coordinator was activated again; null when the group never existed.
    /// </summary>
    /// <remarks>
    /// A group is new only if every node that could belong to it answered, empty. Nodes 0 and 1 (on different silos)
    /// are asked first; when both are empty the others are asked too, since both may have been activated again after
    /// their silos died while another node still holds the data. Any node that does not answer makes the group's state
    /// unknown: nothing is created (that could start a second history beside the real one) and the caller retries.
    /// </remarks>
    private async Task<GroupRoute?> RebuildAsync()
    {
        // Not from inside the turn that may have started this activation: see KnowsEpochFloorAsync on the node.
        await Task.Yield();
        var answers = (await Task.WhenAll(Enumerable.Range(0, 2).Select(TryGetStatusAsync))).ToList();
        var known = answers.FirstOrDefault(a => a is { Role: not NodeRole.Unassigned });
        var nodeCount = known?.NodeCount ?? ReplicationLimits.MaxNodeCount;
        if (nodeCount > 2)
        {
            answers.AddRange(await Task.WhenAll(Enumerable.Range(2, nodeCount - 2).Select(TryGetStatusAsync)));
        }

        // A node recovered from its disk has no role until the next election, but remembers its epoch.
        var seen = answers.OfType<NodeStatus>()
            .Where(a => a.Role != NodeRole.Unassigned || a.LastIndex > 0 || a.Epoch > 0)
            .ToList();
        if (seen.Count == 0)
        {
            // Not remembered: the next call asks the nodes again. (No exception: it would have to cross the grain
            // boundary.)
            return answers.Any(a => a is null)
                ? new GroupRoute(
                    Group,
                    0,
                    -1,
                    _options.DefaultNodeCount,
                    "some nodes do not answer, so whether the group exists is not known yet; retry",
                    NoPrimaryReason.NotKnownYet
                )
                : null;
        }

        // The size is that of the newest epoch: a node removed from the group may still report the older, larger one.
        var epoch = seen.Max(s => s.Epoch);
        nodeCount = seen.Where(s => s.Epoch == epoch).Max(s => s.NodeCount);
        var leader = seen.FirstOrDefault(s => s.Role == NodeRole.Primary && s.Epoch == epoch);
        var route = leader is null
            ? new GroupRoute(Group, epoch, -1, nodeCount, "no node leads the newest epoch", NoPrimaryReason.NoLeader)
            : new GroupRoute(Group, epoch, leader.NodeIndex, nodeCount);
        if (leader is not null)
        {
            Remember(route, leader);
        }

        return route;
    }

    private async Task<NodeStatus?> TryGetStatusAsync(int index)
    {
        try
        {
            // Patient: this runs once per activation, and a node that does not answer leaves the group's state unknown.
            return await Node(index).GetStatusAsync().WaitAsync(PatientTimeout, time);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null;
        }
    }

    /// <summary>Replaces the primary of <paramref name="suspectEpoch"/>, unless the route already moved on.</summary>
    private async Task FailoverAsync(long suspectEpoch, string reason, int? preferred)
    {
        await _change.WaitAsync();
        try
        {
            if (_route is { } route && route.Epoch == suspectEpoch)
            {
                await ElectAsync(route, reason, preferred);
            }
        }
        finally
        {
            _change.Release();
        }
    }

    /// <param name="route">The route being replaced.</param>
    /// <param name="reason">Why, for the log.</param>
    /// <param name="preferred">The node to promote if it holds as much of the log as the best voter.</param>
    /// <param name="nodeCount">The group's size in the new epoch, when replicas are added or removed; by default
    /// unchanged.</param>
    /// <remarks>
    /// When the size changes, the new epoch needs a majority of caught-up voters in the old group and in the new one:
    /// the old majority guarantees that every acknowledged write is on some voter (and so on the best one), the new
    /// majority that the new group can commit. Only a node of the new group is promoted, and only if it holds as much
    /// as the best voter; otherwise the group is elected again at its old size.
    /// </remarks>
    private async Task<GroupRoute> ElectAsync(GroupRoute route, string reason, int? preferred, int? nodeCount = null)
    {
        LogFailoverStarted(Group, route.Epoch, reason);
        _lastFailoverTicks = NowTicks;
        var oldCount = route.NodeCount;
        var n = nodeCount ?? oldCount;
        var epoch = route.Epoch + 1;
        var wentPast = false;
        NodeStatus?[] answers = [];
        for (var attempt = 0; attempt < 3; attempt++)
        {
            // A failover goes on once a majority has answered (a crashed node's call would only time out); a planned
            // change waits for every node, since it needs a particular one.
            answers = await BeginEpochOnAllAsync(
                Math.Max(n, oldCount),
                epoch,
                n,
                earlyMajority: preferred is null && n == oldCount ? n / 2 + 1 : 0
            );
            var highest = answers.Max(a => a?.Epoch ?? 0);
            if (highest <= epoch)
            {
                break;
            }

            epoch = highest + 1; // a node already went further (an earlier coordinator's attempt): go past it
            wentPast = true;
        }

        var voters = answers.OfType<NodeStatus>().Where(a => a.Epoch == epoch && a.CaughtUp).ToList();
        var oldVoters = voters.Count(a => a.NodeIndex < oldCount);
        var newVoters = voters.Count(a => a.NodeIndex < n);
        if ((oldVoters < oldCount / 2 + 1 || newVoters < n / 2 + 1)
            && !(n == oldCount && !wentPast && InSyncSurvivor(voters) is not null))
        {
            var problem =
                n == oldCount
                    ? $"no majority: {newVoters} of {n} nodes reachable and caught up, {n / 2 + 1} needed"
                    : $"no majority to change the group from {oldCount} to {n} nodes: {oldVoters} of the {oldCount} " +
                        $"and {newVoters} of the {n} reachable and caught up";
            LogNoPromotion(Group, epoch, problem);
            BackOffElection();
            _route = route with
            {
                Epoch = epoch,
                PrimaryIndex = -1,
                Problem = problem,
                NoPrimaryReason = NoPrimaryReason.NoMajority,
            };
            return _route;
        }

        if (oldVoters < oldCount / 2 + 1 && InSyncSurvivor(voters) is { } survivor)
        {
            // Without a majority, but the voters include the last primary this coordinator promoted, in the same
            // incarnation and with nothing of a later epoch: every acknowledged write is on it.
            LogInSyncSurvivor(Group, survivor.NodeIndex, _lastPromoted!.Value.Epoch, voters.Count, n);
            voters = [survivor];
        }

        var best = voters.OrderByDescending(a => a.LastEpoch).ThenByDescending(a => a.LastIndex).First();
        var holders = voters
            .Where(a => a.NodeIndex < n && a.LastEpoch == best.LastEpoch && a.LastIndex == best.LastIndex)
            .ToList();
        if (holders.Count == 0)
        {
            // Only a node leaving the group holds the whole log: keep the old size, and so that node, for now.
            return await ElectAsync(
                route with
                {
                    Epoch = epoch,
                },
                $"no node of the {n}-node group holds the whole log",
                preferred
            );
        }

        best = holders.FirstOrDefault(a => a.NodeIndex == preferred) ?? holders[0];
        var next = new GroupRoute(Group, epoch, best.NodeIndex, n);
        var promoted = await AssignAsync(next, best.NodeIndex, bootstrap: false, required: false, best.Incarnation);
        if (promoted is not { Role: NodeRole.Primary } || promoted.Incarnation != best.Incarnation)
        {
            // Never promote an activation that did not vote (a duplicate, or one activated again empty): that would
            // lose data.
            BackOffElection();
            _route = route with
            {
                Epoch = epoch,
                PrimaryIndex = -1,
                Problem = $"node {best.NodeIndex} could not be promoted (its voting activation did not answer)",
                NoPrimaryReason = NoPrimaryReason.NotPromoted,
            };
            return _route;
        }

        LogPromoted(Group, best.NodeIndex, epoch, best.LastIndex, voters.Count, n);
        CompletePromotion(next, promoted);
        return next;
    }

    /// <summary>
    /// Records a promotion that took: the route, the primary the in-sync rule may rely on, the failover's time, a fresh
    /// back-off. Clients may use the new primary from here on. The others are told in the background: a crashed one
    /// would hold the route back for its timeout, and each of them also learns from the new primary's first message.
    /// </summary>
    private void CompletePromotion(GroupRoute next, NodeStatus promoted)
    {
        _failovers++;
        Diagnostics.ReplicationMetrics.FailoverDone(Group);
        Remember(next, promoted);
        _lastPromoted = (next.PrimaryIndex, promoted.Incarnation, next.Epoch);
        _lastFailoverTicks = NowTicks;
        ResetElectionBackoff();
        _ = Task.WhenAll(Enumerable.Range(0, next.NodeCount).Where(i => i != next.PrimaryIndex)
            .Select(i => AssignAsync(next, i, bootstrap: false, required: false)));
    }

    /// <remarks>
    /// Failures are reported with framework exception types, which cross the grain boundary as they are.
    /// </remarks>
    public async Task<GroupRoute> SwitchoverAsync(int? target)
    {
        var route = await GetRouteAsync();
        if (target is { } t && (t < 0 || t >= route.NodeCount))
        {
            throw new ArgumentOutOfRangeException(
                nameof(target),
                t,
                $"Group '{Group}' has nodes 0..{route.NodeCount - 1}."
            );
        }

        await _change.WaitAsync();
        try
        {
            route = _route!;
            if (!route.HasPrimary)
            {
                throw new InvalidOperationException(
                    $"Group '{Group}' has no primary to hand over from: {route.Problem}"
                );
            }

            if (target == route.PrimaryIndex)
            {
                return route;
            }

            var to = target ?? await MostCaughtUpReplicaAsync(route);
            await HandOverAsync(route, to, MaxHandOver, "the primary keeps leading");

            var next = await ElectAsync(route, $"planned switchover to node {to}", preferred: to);
            return next.PrimaryIndex == to
                ? next
                : throw new InvalidOperationException(
                    $"The switchover to node {to} ended with node {next.PrimaryIndex} leading epoch " +
                    $"{next.Epoch}{(next.Problem is null ? "" : ": " + next.Problem)}."
                );
        }
        finally
        {
            _change.Release();
        }
    }

    /// <summary>
    /// The last node this activation promoted (or created the group with), its incarnation and its epoch.
    /// </summary>
    /// <remarks>
    /// The in-sync set of a group is the nodes that hold every acknowledged write. The primary of the last epoch that
    /// had one is always in it: it was elected holding everything acknowledged before, and it acknowledged everything
    /// after. While that same activation answers, with no entry of a later epoch (no later primary it followed) and no
    /// node reporting an epoch beyond this coordinator's, it is promoted even alone and re-seeds the others. What only
    /// this activation remembers is lost with it: a coordinator activated again proves nothing this way.
    /// </remarks>
    private (int Index, Guid Incarnation, long Epoch)? _lastPromoted;

    private NodeStatus? InSyncSurvivor(IEnumerable<NodeStatus> voters) =>
        _lastPromoted is { } last
            ? voters.FirstOrDefault(v =>
                v.NodeIndex == last.Index
                && v.Incarnation == last.Incarnation
                && v.LastEpoch <= last.Epoch
                && v.CaughtUp
            )
            : null;

    /// <remarks>
    /// First an ordinary election, which promotes only what a majority (or the in-sync survivor) proves safe. When that
    /// fails, without <paramref name="acceptLoss"/> nothing changes and the caller is told why; with it, the best node
    /// that answers (caught up first, then the longest log) is promoted under a new epoch, and the log says loudly what
    /// may be lost: writes that only the nodes that did not answer held.
    /// </remarks>
    public async Task<RecoveryResult> RecoverAsync(bool acceptLoss)
    {
        var known = await GetRouteAsync();
        if (known.Epoch == 0)
        {
            throw new InvalidOperationException($"Group '{Group}': {known.Problem}");
        }

        await _change.WaitAsync();
        try
        {
            var route = _route!;
            if (route.HasPrimary)
            {
                throw new InvalidOperationException(
                    $"Group '{Group}' has a primary (node {route.PrimaryIndex}, epoch {route.Epoch}); there is " +
                    "nothing to recover."
                );
            }

            var elected = await ElectAsync(route, "an operator asked for recovery", preferred: null);
            if (elected.HasPrimary)
            {
                return new RecoveryResult(
                    elected,
                    elected.PrimaryIndex,
                    MayHaveLostWrites: false,
                    $"Node {elected.PrimaryIndex} was promoted in epoch {elected.Epoch} by an ordinary election: no " +
                    "acknowledged write was lost."
                );
            }

            if (!acceptLoss)
            {
                throw new InvalidOperationException(
                    $"Group '{Group}' cannot be recovered without risk: {elected.Problem}. "
                        + "The nodes that do not answer may hold "
                        + "acknowledged writes that the reachable ones lack, so nothing was changed. "
                        + "Bring those nodes back if you can; "
                        + "to promote the best reachable node anyway and lose what only the others held, "
                        + "recover with accept-loss "
                        + $"(CLI: recover --group {Group} --accept-loss)."
                );
            }

            return await ForcePromoteAsync(elected);
        }
        finally
        {
            _change.Release();
        }
    }

    private async Task<RecoveryResult> ForcePromoteAsync(GroupRoute route)
    {
        var n = route.NodeCount;
        var epoch = route.Epoch + 1;
        var answers = await BeginEpochOnAllAsync(n, epoch, n, earlyMajority: 0);
        if (answers.Max(a => a?.Epoch ?? 0) is var highest && highest > epoch)
        {
            epoch = highest + 1;
            answers = await BeginEpochOnAllAsync(n, epoch, n, earlyMajority: 0);
        }

        var reachable = answers.OfType<NodeStatus>().Where(a => a.Epoch == epoch).ToList();
        var best = reachable
            .OrderByDescending(a => a.CaughtUp)
            .ThenByDescending(a => a.LastEpoch)
            .ThenByDescending(a => a.LastIndex)
            .FirstOrDefault()
            ?? throw new InvalidOperationException(
                $"Group '{Group}': no node answered in epoch {epoch}; there is nothing to promote."
            );
        var next = new GroupRoute(Group, epoch, best.NodeIndex, n);
        var promoted = await AssignAsync(next, best.NodeIndex, bootstrap: false, required: false, best.Incarnation);
        if (promoted is not { Role: NodeRole.Primary } || promoted.Incarnation != best.Incarnation)
        {
            _route = route with
            {
                Epoch = epoch,
                PrimaryIndex = -1,
                Problem = $"node {best.NodeIndex} could not be promoted (it did not answer)",
                NoPrimaryReason = NoPrimaryReason.NotPromoted,
            };
            throw new InvalidOperationException(
                $"Group '{Group}': node {best.NodeIndex} did not take the promotion; try again."
            );
        }

        var missing = Enumerable.Range(0, n).Where(i => reachable.All(r => r.NodeIndex != i)).ToList();
        var emptied = reachable
            .Where(r => r.NodeIndex != best.NodeIndex && !r.CaughtUp && r.LastIndex == 0)
            .Select(r => r.NodeIndex)
            .ToList();
        var message =
            $"Node {best.NodeIndex} was promoted in epoch {epoch} without a majority (log ends at {best.LastIndex}, "
            + $"{(best.CaughtUp ? "caught up" : "not caught up")}); "
            + $"nodes that did not answer: {(missing.Count == 0 ? "none" : string.Join(", ", missing))}; "
            + $"nodes that came back empty: {(emptied.Count == 0 ? "none" : string.Join(", ", emptied))}. "
            + "Acknowledged writes that only the other nodes held are lost; "
            + "nodes that come back with them are overwritten.";
        LogForcedRecovery(Group, message);
        CompletePromotion(next, promoted);
        return new RecoveryResult(next, best.NodeIndex, MayHaveLostWrites: true, message);
    }

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Group {Group}: no majority, but node {Index} is the primary this coordinator promoted in epoch " +
            "{Epoch} and holds every acknowledged write; it is promoted alone ({Voters} of {NodeCount} nodes voted) " +
            "and re-seeds the others."
    )]
    private partial void LogInSyncSurvivor(string group, int index, long epoch, int voters, int nodeCount);

    [LoggerMessage(
        Level = LogLevel.Critical,
        Message = "Group {Group}: RECOVERED WITH POSSIBLE DATA LOSS, as an operator asked: {Message}"
    )]
    private partial void LogForcedRecovery(string group, string message);

    private async Task<int> MostCaughtUpReplicaAsync(GroupRoute route)
    {
        var statuses = await Task.WhenAll(
            Enumerable
                .Range(0, route.NodeCount)
                .Where(i => i != route.PrimaryIndex)
                .Select(i => GetNodeStatusAsync(route, i))
        );
        var best = statuses
            .Where(s => s.Role == NodeRole.Replica && s.CaughtUp)
            .OrderByDescending(s => s.LastIndex)
            .FirstOrDefault();
        return best?.NodeIndex
            ?? throw new InvalidOperationException($"Group '{Group}' has no caught-up replica to hand over to.");
    }

    /// <summary>
    /// Moves nodes 0..<paramref name="count"/>−1 to <paramref name="epoch"/>. With <paramref name="earlyMajority"/>
    /// above zero, returns once that many caught-up nodes have entered the epoch and the others had a short grace to
    /// answer; a missing answer is null. The best log among any majority holds every acknowledged write, so the nodes
    /// that answer late cannot hold one that the chosen node lacks.
    /// </summary>
    private async Task<NodeStatus?[]> BeginEpochOnAllAsync(int count, long epoch, int nodeCount, int earlyMajority)
    {
        var calls = Enumerable.Range(0, count).Select(i => BeginEpochAsync(i, epoch, nodeCount)).ToArray();
        if (earlyMajority <= 0)
        {
            return await Task.WhenAll(calls);
        }

        var all = Task.WhenAll(calls);
        var pending = calls.ToList<Task<NodeStatus?>>();
        var caughtUp = 0;
        while (pending.Count > 0 && caughtUp < earlyMajority)
        {
            var done = await Task.WhenAny(pending);
            pending.Remove(done);
            if (done.Result is { CaughtUp: true } s && s.Epoch == epoch)
            {
                caughtUp++;
            }
        }

        if (pending.Count > 0)
        {
            await Task.WhenAny(all, Task.Delay(ElectionGrace, time));
        }

        return calls.Select(c => c.IsCompletedSuccessfully ? c.Result : null).ToArray();
    }

    /// <summary>How long an election waits for the remaining nodes once a majority has answered.</summary>
    private static readonly TimeSpan ElectionGrace = TimeSpan.FromMilliseconds(50);

    private async Task<NodeStatus?> BeginEpochAsync(int index, long epoch, int nodeCount)
    {
        try
        {
            return await Node(index).BeginEpochAsync(epoch, nodeCount).WaitAsync(_options.PrimaryCheckTimeout, time);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null;
        }
    }

    /// <summary>
    /// Has the primary of <paramref name="route"/> stop taking writes until node <paramref name="to"/> holds its whole
    /// log; throws, saying <paramref name="otherwise"/>, when that does not happen within <paramref name="handOver"/>.
    /// </summary>
    private async Task HandOverAsync(GroupRoute route, int to, TimeSpan handOver, string otherwise)
    {
        if (
            !await Node(route.PrimaryIndex)
                .HandOverAsync(to, handOver)
                .WaitAsync(handOver + TimeSpan.FromSeconds(1), time)
        )
        {
            throw new TimeoutException(
                $"Node {to} of group '{Group}' did not catch up with the primary in time; {otherwise}."
            );
        }
    }

    private async Task<NodeStatus?> AssignAsync(
        GroupRoute route,
        int index,
        bool bootstrap,
        bool required,
        Guid incarnation = default
    )
    {
        try
        {
            return await Node(index)
                .AssignAsync(
                    new NodeAssignment(
                        Group,
                        index,
                        route.NodeCount,
                        route.Epoch,
                        route.PrimaryIndex,
                        bootstrap,
                        incarnation
                    )
                )
                .WaitAsync(PatientTimeout, time);
        }
        catch (Exception e) when (!required && e is not OutOfMemoryException)
        {
            LogAssignFailed(Group, index, e.Message);
            return null;
        }
    }

    private void Remember(GroupRoute route, NodeStatus primary)
    {
        _route = route;
        _primarySilo = primary.Silo;
        _primaryIncarnation = primary.Incarnation;
        _missedChecks = 0;
    }
}
