using Microsoft.Extensions.Logging;

namespace Orleans.Replication.Coordination;

/// <summary>Changing the group's size: adding and removing replicas.</summary>
/// <remarks>
/// Nodes are numbered 0..N−1, so a group grows by node N and shrinks by its last node. Which node that is does not
/// matter to a user: a node is not tied to a machine (placement puts it on a silo, and it is re-created elsewhere when
/// its silo dies), only the number of copies is. A new node is first a learner: the primary syncs it (snapshot, then
/// the log) while it counts toward no quorum, so the group's availability does not depend on it while it is empty.
/// Once it has caught up, a new epoch with the new size makes it a member; that election needs a majority of both the
/// old and the new group (see <see cref="ElectAsync"/>). A removed node leaves in the same way, by a new epoch
/// without it, and then forgets its data. Writes in flight at the change are answered "stepped down" and retried by
/// the client under their write id, so a change costs writes one short pause.
/// </remarks>
internal sealed partial class GroupCoordinatorGrain
{
    /// <summary>
    /// The longest a switchover or removal waits for a hand-over: writes pause meanwhile, and failovers wait for it.
    /// </summary>
    private static readonly TimeSpan MaxHandOver = TimeSpan.FromSeconds(5);

    public async Task<GroupRoute> AddReplicaAsync(TimeSpan timeout)
    {
        ReplicationLimits.ValidateGroupChangeTimeout(timeout);
        var deadline = NowTicks + timeout.Ticks;
        await GetRouteAsync();

        // The sync runs outside the change lock, so a failover is never held up by it.
        GroupRoute route;
        int learner;
        await _change.WaitAsync();
        try
        {
            route = RequirePrimary("add a replica");
            learner = route.NodeCount;
            if (learner >= ReplicationLimits.MaxNodeCount)
            {
                throw new InvalidOperationException(
                    $"Group '{Group}' already has {route.NodeCount} nodes, the most a group can have."
                );
            }

            // The node may hold data of an earlier membership: it starts afresh, on a silo of its own, then follows the
            // primary.
            await Node(learner).ResetAsync(route.Epoch).WaitAsync(PatientTimeout, time);
            await PlaceEmptyNodeAsync(learner, Math.Min(deadline, NowTicks + PatientTimeout.Ticks));
            await AssignAsync(route, learner, bootstrap: false, required: true);
            if (!await Node(route.PrimaryIndex).AddLearnerAsync(learner, route.Epoch).WaitAsync(PatientTimeout, time))
            {
                throw new InvalidOperationException(
                    $"Node {route.PrimaryIndex} of group '{Group}' no longer leads epoch {route.Epoch}; try again."
                );
            }
        }
        finally
        {
            _change.Release();
        }

        LogLearnerSyncing(Group, learner, route.Epoch);
        await WaitForLearnerAsync(route, learner, deadline);

        await _change.WaitAsync();
        try
        {
            EnsureUnchanged(route, $"node {learner} was syncing; nothing was added");
            var next = await ElectAsync(
                _route!,
                $"node {learner} caught up and joins the group",
                preferred: route.PrimaryIndex,
                nodeCount: route.NodeCount + 1
            );
            if (next.NodeCount != route.NodeCount + 1 || !next.HasPrimary)
            {
                throw new InvalidOperationException(
                    $"Node {learner} could not join group '{Group}': " +
                    $"{next.Problem ?? "the group was elected again at its old size"}."
                );
            }

            LogSizeChanged(Group, route.NodeCount, next.NodeCount, next.Epoch);
            return next;
        }
        finally
        {
            _change.Release();
        }
    }

    public async Task<GroupRoute> RemoveReplicaAsync(TimeSpan timeout)
    {
        ReplicationLimits.ValidateGroupChangeTimeout(timeout);
        await GetRouteAsync();
        await _change.WaitAsync();
        try
        {
            var route = RequirePrimary("remove a replica");
            if (route.NodeCount <= 1)
            {
                throw new InvalidOperationException($"Group '{Group}' has a single node; it cannot lose it.");
            }

            var leaving = route.NodeCount - 1;
            if (route.PrimaryIndex == leaving)
            {
                // The leaving node leads: hand over to the most caught-up of the others first.
                var to = await MostCaughtUpReplicaAsync(route);
                await HandOverAsync(route, to, timeout < MaxHandOver ? timeout : MaxHandOver, "nothing was removed");

                route = await ElectAsync(route, $"node {leaving} leads and is leaving the group", preferred: to);
                if (!route.HasPrimary || route.PrimaryIndex == leaving)
                {
                    throw new InvalidOperationException(
                        $"Group '{Group}' could not move its primary off node {leaving}: {route.Problem}."
                    );
                }
            }

            var next = await ElectAsync(
                route,
                $"node {leaving} leaves the group",
                preferred: route.PrimaryIndex,
                nodeCount: leaving
            );
            if (next.NodeCount != leaving || !next.HasPrimary)
            {
                throw new InvalidOperationException(
                    $"Node {leaving} could not leave group '{Group}': " +
                    $"{next.Problem ?? "the group was elected again at its old size"}."
                );
            }

            try
            {
                await Node(leaving).ResetAsync(next.Epoch).WaitAsync(PatientTimeout, time);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // It is out of the group either way: the new epoch refuses it, and it is reset before it ever joins
                // again.
                LogResetFailed(Group, leaving, e.Message);
            }

            LogSizeChanged(Group, route.NodeCount, next.NodeCount, next.Epoch);
            return next;
        }
        finally
        {
            _change.Release();
        }
    }

    /// <summary>
    /// Waits until <paramref name="learner"/> holds everything the primary had committed when the wait began.
    /// </summary>
    private async Task WaitForLearnerAsync(GroupRoute route, int learner, long deadlineTicks)
    {
        var primary = await Node(route.PrimaryIndex).GetStatusAsync().WaitAsync(PatientTimeout, time);
        var target = primary.CommitIndex;
        var pause = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            EnsureUnchanged(route, $"node {learner} was syncing; nothing was added");

            var status = await GetNodeStatusAsync(route, learner);
            if (
                status.Epoch == route.Epoch
                && status.Role == NodeRole.Replica
                && status.CaughtUp
                && status.AppliedIndex >= target
            )
            {
                return;
            }

            if (NowTicks + pause.Ticks > deadlineTicks)
            {
                throw new TimeoutException(
                    $"Node {learner} of group '{Group}' did not catch up in time (applied {status.AppliedIndex} of " +
                    $"{target}, log ends at {status.LastIndex}, {status.Role} of epoch " +
                    $"{status.Epoch}{(status.Problem is null ? "" : ", " + status.Problem)}); the group keeps " +
                    $"{route.NodeCount} nodes."
                );
            }

            await Task.Delay(pause, time);
        }
    }

    private void EnsureUnchanged(GroupRoute route, string what)
    {
        if (_route is not { } current || current.Epoch != route.Epoch || current.PrimaryIndex != route.PrimaryIndex)
        {
            throw new InvalidOperationException($"Group '{Group}' changed (now epoch {_route?.Epoch}) while {what}.");
        }
    }

    private GroupRoute RequirePrimary(string what) =>
        _route is { HasPrimary: true } route
            ? route
            : throw new InvalidOperationException(
                $"Group '{Group}' has no primary, so it cannot {what} now: {_route?.Problem ?? "unknown state"}."
            );

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Group {Group}: node {Learner} is syncing from the primary of epoch {Epoch} before it joins."
    )]
    private partial void LogLearnerSyncing(string group, int learner, long epoch);

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Group {Group}: grew or shrank from {OldCount} to {NodeCount} nodes in epoch {Epoch}."
    )]
    private partial void LogSizeChanged(string group, int oldCount, int nodeCount, long epoch);

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Group {Group}: removed node {Index} could not be told to forget its data ({Reason})."
    )]
    private partial void LogResetFailed(string group, int index, string reason);
}
