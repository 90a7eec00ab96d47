using Orleans.Replication.Protocol;

namespace Orleans.Replication.Client;

/// <summary>Finding the group's route: from the cache, the coordinator, the nodes themselves, or a hint.</summary>
/// <remarks>
/// Every lookup is bounded by what is left of its operation's deadline and by
/// <see cref="ReplicationClientOptions.AttemptTimeout"/>. When the coordinator does not answer in time (its silo
/// crashed or froze, its gateway hangs) the client asks the group's nodes directly, so that finding a new primary does
/// not depend on one grain: the route is the node that says it is primary at the highest epoch any node reports. A
/// refused write names the primary its node follows; when that epoch is newer than the client's route, the client
/// follows it without asking anyone.
/// </remarks>
internal sealed partial class ReplicatedGroup
{
    public async Task<GroupRoute> GetRouteAsync(bool refresh = false, CancellationToken cancellationToken = default)
    {
        var deadline = new OperationDeadline(_options.DefaultReadTimeout, _time);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await LookUpRouteAsync(refresh, deadline, cancellationToken);
            }
            catch (Exception e) when (IsTransient(e) && deadline.Remaining > TimeSpan.Zero)
            {
                // Neither the coordinator nor a node answered within an attempt: try again while time is left.
                await Task.Delay(Backoff(attempt + 1, deadline.Remaining), _time, cancellationToken);
            }
        }
    }

    /// <summary>
    /// One lookup of the route: the cached one unless <paramref name="refresh"/> (or it names no primary), else the
    /// coordinator's, else the nodes'. Throws <see cref="TimeoutException"/> when the deadline has passed or nobody
    /// answered with a route in time.
    /// </summary>
    internal async Task<GroupRoute> LookUpRouteAsync(bool refresh, OperationDeadline deadline, CancellationToken ct)
    {
        // A route without a primary is not served from the cache: it says "ask again" (no primary yet, or the group's
        // state unknown while nodes do not answer), and a long-lived client must not keep failing on it.
        if (!refresh && Volatile.Read(ref _route) is { HasPrimary: true } cached)
        {
            return cached;
        }

        var wait = deadline.Bound(_options.AttemptTimeout);
        if (wait <= TimeSpan.Zero)
        {
            throw new TimeoutException($"The deadline passed before the route of group '{Name}' was known.");
        }

        try
        {
            var route = await _coordinator.GetRouteAsync().WaitAsync(wait, _time, ct);
            SetRoute(route);
            return route;
        }
        catch (Exception e) when (IsTransient(e))
        {
            Log.AskingNodes(_logger, Name, e.Message);
            if (await AskNodesForRouteAsync(deadline, ct) is { } found)
            {
                return found;
            }

            throw;
        }
    }

    /// <summary>
    /// Asks every node of the group (as the cached route sizes it) for its status, in parallel, within what is left of
    /// <paramref name="deadline"/> (at most an attempt), and caches the node that leads the highest epoch
    /// reported.
    /// Null when the group's size is not known yet, or no node leads that epoch.
    /// </summary>
    /// <remarks>
    /// A new epoch is begun on a majority before anyone is promoted in it, so once a majority has answered, the highest
    /// epoch among them is the newest there is; a node leading it is the primary, and the others need not be waited
    /// for.
    /// </remarks>
    private async Task<GroupRoute?> AskNodesForRouteAsync(OperationDeadline deadline, CancellationToken ct)
    {
        var known = Volatile.Read(ref _route);
        var wait = deadline.Bound(_options.AttemptTimeout);
        if (known is null || known.NodeCount < 1 || wait <= TimeSpan.Zero)
        {
            return null;
        }

        var count = Math.Min(known.NodeCount, _nodes.Length);
        var pending = new List<Task<NodeStatus>>(count);
        var answered = 0;
        var newestEpoch = -1L;
        NodeStatus? leader = null;
        try
        {
            for (var i = 0; i < count; i++)
            {
                pending.Add(StatusAsync(_nodes[i], wait, ct));
            }

            while (pending.Count > 0)
            {
                var done = await Task.WhenAny(pending);
                pending.Remove(done);
                if (!done.IsCompletedSuccessfully)
                {
                    ct.ThrowIfCancellationRequested();
                    continue; // unreachable, or slower than the attempt: the others may know
                }

                var status = done.Result;
                answered++;
                newestEpoch = Math.Max(newestEpoch, Math.Max(status.Epoch, status.LastEpoch));
                if (status.Role == NodeRole.Primary && (leader is null || status.Epoch > leader.Epoch))
                {
                    leader = status;
                }

                if (answered > count / 2 && leader is not null && leader.Epoch >= newestEpoch)
                {
                    break;
                }
            }
        }
        finally
        {
            foreach (var rest in pending)
            {
                rest.Ignore();
            }
        }

        if (leader is null || leader.Epoch < newestEpoch || leader.NodeIndex < 0 || leader.NodeIndex >= _nodes.Length)
        {
            return null;
        }

        var nodeCount = leader.NodeCount > 0 ? leader.NodeCount : known.NodeCount;
        var route = new GroupRoute(Name, leader.Epoch, leader.NodeIndex, nodeCount);
        SetRoute(route);
        return Volatile.Read(ref _route) is { HasPrimary: true } current && current.Epoch >= route.Epoch
            ? current
            : null;
    }

    /// <summary>
    /// A node's status within <paramref name="wait"/>. A call that cannot even be made fails its task like an
    /// unreachable node: this runs inside the catch of a failed lookup, and an exception thrown from there would leave
    /// the caller's retries.
    /// </summary>
    private Task<NodeStatus> StatusAsync(IReplicaNodeGrain node, TimeSpan wait, CancellationToken ct)
    {
        try
        {
            return node.GetStatusAsync().WaitAsync(wait, _time, ct);
        }
        catch (Exception e)
        {
            return Task.FromException<NodeStatus>(e);
        }
    }

    /// <summary>
    /// Follows the primary named by a node that refused a write as not the primary, when the node's epoch is newer
    /// than the cached route's; true when the route changed.
    /// </summary>
    private bool FollowHint(WriteReply reply, int answeredBy)
    {
        var nodeCount = reply.Replicas + 1;
        if (reply.Status != WriteStatus.NotPrimary || reply.PrimaryHint < 0 || reply.PrimaryHint == answeredBy
            || reply.PrimaryHint >= nodeCount || nodeCount > _nodes.Length
            || reply.Epoch <= (Volatile.Read(ref _route)?.Epoch ?? long.MinValue))
        {
            return false;
        }

        SetRoute(new GroupRoute(Name, reply.Epoch, reply.PrimaryHint, nodeCount));
        return Volatile.Read(ref _route) is { } current
            && current.Epoch == reply.Epoch && current.PrimaryIndex == reply.PrimaryHint;
    }

    internal void SetRoute(GroupRoute route)
    {
        // Never go back to an older epoch: a slow answer must not undo a newer one.
        GroupRoute? current;
        do
        {
            current = Volatile.Read(ref _route);
            if (current is not null && current.Epoch > route.Epoch)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _route, route, current) != current);

        if (current is null)
        {
            Log.FirstRoute(_logger, Name, route.Epoch, route.PrimaryIndex, route.NodeCount);
        }
        else if (
            current.Epoch != route.Epoch
            || current.PrimaryIndex != route.PrimaryIndex
            || current.NodeCount != route.NodeCount
        )
        {
            Log.RouteChanged(
                _logger,
                Name,
                route.Epoch,
                route.PrimaryIndex,
                route.NodeCount,
                current.Epoch,
                current.PrimaryIndex
            );
        }

        if (current is not null && route.Epoch > current.Epoch)
        {
            _writes.AbandonCallsOut();
        }

        FindIngress(route);
    }
}
