using Orleans.Replication.LoadBalancing;
using Orleans.Replication.Protocol;

namespace Orleans.Replication.Client;

/// <summary>Choosing the node that serves a read.</summary>
/// <remarks>
/// Reads pass through neither the coordinator nor the load balancer. Strong reads go to the primary, which confirms
/// its leadership with a majority first. Other reads go to the node the <see cref="ReadRouter"/> picks among those in
/// rotation with the group's strategy (or the read's); a node that cannot serve the consistency asked for (too
/// stale, not caught up with the session) says so and the next pick is tried, the primary last.
/// </remarks>
internal sealed partial class ReplicatedGroup
{
    internal async Task<ReadResult> GetAsync(
        string key,
        ReadOptions? options,
        ReplicatedSession? session,
        CancellationToken ct
    )
    {
        ReplicationLimits.ValidateKey(key, _options.MaxKeyBytes);
        var consistency = options?.Consistency ?? (session is null ? ReadConsistency.Strong : ReadConsistency.Session);
        var timeout = options?.Timeout ?? _options.DefaultReadTimeout;
        if (timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), timeout, "A read timeout must be positive.");
        }

        if (consistency.Kind == ReadConsistencyKind.Session && session is null)
        {
            throw new ArgumentException(
                "Session reads need a session: call OpenSession() and read through it.",
                nameof(options)
            );
        }

        if (options?.Strategy is { } strategy && !Enum.IsDefined(strategy))
        {
            throw new ArgumentOutOfRangeException(nameof(options), strategy, "Unknown load-balancing strategy.");
        }

        var deadline = new OperationDeadline(timeout, _time);
        await RefreshRoutingAsync(deadline, ct);
        var route = await ReadRouteAsync(deadline, ct);
        consistency.Validate(route.NodeCount);
        var reply = consistency.Kind switch
        {
            ReadConsistencyKind.Strong => await ReadPrimaryAsync(key, consistency, deadline, ct),
            ReadConsistencyKind.Quorum => await ReadQuorumAsync(
                key,
                consistency,
                route,
                options?.Strategy,
                deadline,
                ct
            ),
            _ => await ReadAnyAsync(
                key,
                consistency,
                session?.Token.Index ?? 0,
                route,
                options?.Strategy,
                deadline,
                ct
            ),
        };
        var result = new ReadResult(
            reply.Found,
            reply.Value,
            reply.Version,
            reply.NodeIndex,
            reply.Epoch,
            reply.AppliedIndex,
            reply.LagEntries,
            reply.LagMs
        );
        session?.Observe(new SessionToken(reply.Epoch, reply.AppliedIndex));
        return result;
    }

    /// <summary>
    /// The load balancer's snapshot, when one is due, waited for (a group's first read only) no longer than the
    /// read's deadline: without a snapshot the read goes to the nodes in rotation order.
    /// </summary>
    private async Task RefreshRoutingAsync(OperationDeadline deadline, CancellationToken ct)
    {
        var refresh = _router.RefreshIfDueAsync(ct);
        if (refresh.IsCompleted)
        {
            await refresh;
            return;
        }

        try
        {
            await refresh.WaitAsync(deadline.Bound(_options.AttemptTimeout), _time, ct);
        }
        catch (TimeoutException)
        {
            // The load balancer is slow: this read does without its snapshot.
        }
    }

    /// <summary>The route for a read, looked up again while none is known and the deadline allows.</summary>
    private async Task<GroupRoute> ReadRouteAsync(OperationDeadline deadline, CancellationToken ct)
    {
        string? lastProblem = null;
        for (var attempt = 0; ; attempt++)
        {
            if (attempt > 0)
            {
                if (deadline.HasPassed)
                {
                    throw new NoAvailableNodeException(
                        $"No route to group '{Name}' was found within the read's " +
                        $"{deadline.Timeout.TotalMilliseconds:0} ms ({lastProblem})."
                    );
                }

                await Task.Delay(Backoff(attempt, deadline.Remaining), _time, ct);
            }

            try
            {
                return await LookUpRouteAsync(false, deadline, ct);
            }
            catch (Exception e) when (IsTransient(e))
            {
                lastProblem = e.Message;
            }
        }
    }

    private async Task<ReadReply> ReadPrimaryAsync(
        string key,
        ReadConsistency consistency,
        OperationDeadline deadline,
        CancellationToken ct
    )
    {
        string? lastProblem = null;
        for (var attempt = 0; ; attempt++)
        {
            var remaining = deadline.Remaining;
            if (remaining <= TimeSpan.Zero)
            {
                throw new NoAvailableNodeException(
                    $"No primary of group '{Name}' could serve a strong read within " +
                    $"{deadline.Timeout.TotalMilliseconds:0} ms ({lastProblem})."
                );
            }

            if (attempt > 0)
            {
                Log.StrongReadRetry(_logger, Name, attempt, lastProblem);
                await Task.Delay(Backoff(attempt, remaining), _time, ct);
            }

            GroupRoute route;
            try
            {
                route = await LookUpRouteAsync(attempt > 0, deadline, ct);
            }
            catch (Exception e) when (IsTransient(e))
            {
                // The primary was not asked, so it is not reported; the next attempt looks the route up again.
                lastProblem = "no route: " + e.Message;
                continue;
            }

            if (!route.HasPrimary)
            {
                lastProblem = route.Problem;
                continue;
            }

            remaining = deadline.Remaining;
            if (remaining <= TimeSpan.Zero)
            {
                continue;
            }

            try
            {
                var wait = remaining <= _options.AttemptTimeout ? remaining + CallGrace : _options.AttemptTimeout;
                var reply = await ReadNodeAsync(
                    route.PrimaryIndex,
                    new ReadRequest(key, consistency, 0, remaining),
                    wait,
                    ct
                );
                if (reply.Status == ReadStatus.Ok)
                {
                    return reply;
                }

                lastProblem = reply.Message;
            }
            catch (Exception e) when (IsTransient(e))
            {
                // The primary itself did not answer: tell the coordinator about the primary that was asked.
                lastProblem = e.Message;
                ReportTrouble(route);
            }
        }
    }

    /// <summary>One read call to one node, counted in the router's in-flight figures and response times.</summary>
    private async Task<ReadReply> ReadNodeAsync(int index, ReadRequest request, TimeSpan wait, CancellationToken ct)
    {
        var begun = _router.Begin(index);
        var answered = false;
        try
        {
            var reply = await Node(index).ReadAsync(request).WaitAsync(wait, _time, ct);
            answered = true;
            return reply;
        }
        finally
        {
            _router.End(index, begun, answered);
        }
    }

    /// <summary>
    /// Tries the nodes the router picks (the primary last when it is out of rotation) until one can serve the read.
    /// </summary>
    private async Task<ReadReply> ReadAnyAsync(
        string key,
        ReadConsistency consistency,
        long minIndex,
        GroupRoute route,
        LoadBalancingStrategy? strategy,
        OperationDeadline deadline,
        CancellationToken ct
    )
    {
        var problems = new List<string>();
        foreach (var index in _router.Order(route, strategy))
        {
            var remaining = deadline.Remaining;
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }

            // A replica gets a short while to catch up with the session; the primary, tried last, gets what is left.
            var wait = index == route.PrimaryIndex || consistency.Kind != ReadConsistencyKind.Session
                ? remaining
                : TimeSpan.FromTicks(Math.Min(remaining.Ticks, _options.SessionCatchUpWait.Ticks));
            try
            {
                var reply = await ReadNodeAsync(
                    index,
                    new ReadRequest(key, consistency, minIndex, wait),
                    wait + CallGrace,
                    ct
                );
                if (reply.Status == ReadStatus.Ok)
                {
                    return reply;
                }

                problems.Add($"node {index}: {reply.Message}");
                Log.ReadMovesOn(_logger, Name, consistency, index, reply.Message);
            }
            catch (Exception e) when (IsTransient(e))
            {
                problems.Add($"node {index}: {e.Message}");
                Log.ReadMovesOn(_logger, Name, consistency, index, e.Message);
            }
        }

        throw new NoAvailableNodeException(
            $"No available nodes: no node of group '{Name}' could serve a {consistency} read within " +
            $"{deadline.Timeout.TotalMilliseconds:0} ms: {string.Join("; ", problems)}."
        );
    }

    /// <summary>
    /// Reads r nodes at once and returns the highest version; unreachable nodes are replaced by others while any
    /// remain.
    /// </summary>
    private async Task<ReadReply> ReadQuorumAsync(
        string key,
        ReadConsistency consistency,
        GroupRoute route,
        LoadBalancingStrategy? strategy,
        OperationDeadline deadline,
        CancellationToken ct
    )
    {
        // Nodes in rotation first; the others (lagging ones still answer correctly, only slower) when too few answer.
        var picked = _router.Order(route, strategy);
        var order = picked.Concat(_router.Rotation(route).Except(picked)).ToArray();
        var next = 0;
        var replies = new List<ReadReply>();
        var problems = new List<string>();
        while (replies.Count < consistency.QuorumSize)
        {
            var remaining = deadline.Remaining;
            var wanted = consistency.QuorumSize - replies.Count;
            if (remaining <= TimeSpan.Zero || order.Length - next < wanted)
            {
                throw new NoAvailableNodeException(
                    $"Only {replies.Count} of the {consistency.QuorumSize} nodes a quorum read needs answered in " +
                    $"group '{Name}': {string.Join("; ", problems)}."
                );
            }

            var batch = order.Skip(next).Take(wanted).ToArray();
            next += batch.Length;
            var calls = batch.Select(async i =>
            {
                try
                {
                    var r = await ReadNodeAsync(
                        i,
                        new ReadRequest(key, consistency, 0, remaining),
                        remaining + CallGrace,
                        ct
                    );
                    return (i, r, (string?)null);
                }
                catch (Exception e) when (IsTransient(e))
                {
                    return (i, (ReadReply?)null, e.Message);
                }
            });
            foreach (var (i, reply, error) in await Task.WhenAll(calls))
            {
                if (reply is { Status: ReadStatus.Ok })
                {
                    replies.Add(reply);
                }
                else
                {
                    problems.Add($"node {i}: {reply?.Message ?? error}");
                }
            }
        }

        // Nodes answer from committed state only, and committed states are prefixes of one log: the furthest one is the
        // newest.
        return replies.MaxBy(r => r.AppliedIndex)!;
    }
}
