using System.Diagnostics;
using Orleans.Replication.LoadBalancing;

namespace Orleans.Replication.Client;

/// <summary>
/// Picks the nodes that serve a group's reads, locally, from a routing snapshot of the group's load-balancer grain.
/// </summary>
/// <remarks>
/// The snapshot says which nodes are in rotation (reachable, Active silo, lag within the group's bound, below their
/// maximum load), their lag, the in-flight reads of other clients and the group's strategy. The router adds what it
/// sees itself: its own reads in flight, its own response times, and nodes it just failed to reach (out until the next
/// snapshot). A snapshot is replaced in the background once it is older than <see cref="RefreshInterval"/>, and the
/// observations gathered since the last exchange go with the request; no read ever waits for that. A snapshot older
/// than <see cref="StaleLimit"/> (the load balancer unreachable) is ignored: every node is tried in rotation, as when
/// there is none yet. Thread-safe.
/// </remarks>
internal sealed class ReadRouter
{
    private readonly Func<LoadReport, Task<RoutingSnapshot>> _exchange;
    private readonly TimeProvider _time;
    private readonly LoadBalancer _balancer;
    private readonly NodeReadStats[] _stats = new NodeReadStats[ReplicationLimits.MaxNodeCount];
    private readonly Guid _clientId = Guid.NewGuid();
    private readonly Lock _lock = new();
    private Fetched? _current;
    private long _lastAttemptTicks;
    private Task? _refresh;
    private int _cursor;

    public ReadRouter(
        Func<LoadReport, Task<RoutingSnapshot>> exchange,
        TimeProvider time,
        TimeSpan refreshInterval,
        Random? random = null
    )
    {
        _exchange = exchange;
        _time = time;
        RefreshInterval = refreshInterval;
        _balancer = new LoadBalancer(ReadRoutingPolicy.Default.Strategy, random);
        for (var i = 0; i < _stats.Length; i++)
        {
            _stats[i] = new NodeReadStats();
        }
    }

    /// <summary>Age after which the snapshot is replaced.</summary>
    public TimeSpan RefreshInterval { get; }

    /// <summary>Age after which the snapshot is not used at all.</summary>
    public TimeSpan StaleLimit => RefreshInterval * 10;

    /// <summary>The snapshot in use, or null when there is none fresh enough.</summary>
    public RoutingSnapshot? Snapshot
    {
        get
        {
            var current = Volatile.Read(ref _current);
            return current is not null && _time.GetUtcNow().UtcTicks - current.FetchedTicks <= StaleLimit.Ticks
                ? current.Snapshot
                : null;
        }
    }

    /// <summary>
    /// Starts a refresh when the snapshot is due; waits for it only when there is no usable snapshot and none was tried
    /// lately.
    /// </summary>
    public Task RefreshIfDueAsync(CancellationToken ct)
    {
        var now = _time.GetUtcNow().UtcTicks;
        var current = Volatile.Read(ref _current);
        if (current is not null && now - current.FetchedTicks < RefreshInterval.Ticks)
        {
            return Task.CompletedTask;
        }

        Task? refresh;
        lock (_lock)
        {
            if (_refresh is { IsCompleted: false } running)
            {
                refresh = running;
            }
            else if (now - _lastAttemptTicks < RefreshInterval.Ticks)
            {
                return Task.CompletedTask; // asked lately and failed: do not ask again on every read
            }
            else
            {
                _lastAttemptTicks = now;
                refresh = null;
            }
        }

        if (refresh is null)
        {
            refresh = ExchangeAsync();
            lock (_lock)
            {
                _refresh = refresh;
            }
        }

        return Snapshot is null ? refresh.WaitAsync(ct) : Task.CompletedTask;
    }

    /// <summary>Exchanges observations for a snapshot now.</summary>
    public Task RefreshAsync() => ExchangeAsync();

    private async Task ExchangeAsync()
    {
        var report = new LoadReport(_clientId, TakeObservations());
        try
        {
            Apply(await _exchange(report));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The load balancer is unreachable (or refused): reads never fail for it; keep the old snapshot until it is
            // too stale to use.
        }
    }

    /// <summary>Takes a snapshot in use; failures noted before it no longer count.</summary>
    public void Apply(RoutingSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var now = _time.GetUtcNow().UtcTicks;
        foreach (var s in _stats)
        {
            s.ClearSuspicion();
        }

        Volatile.Write(ref _current, new Fetched(snapshot, now));
    }

    /// <summary>
    /// The nodes to try for a read, best first: those in rotation, chosen one after another with the strategy (the
    /// read's own, else the group's), then the primary when it is not among them. Without a usable snapshot, every
    /// node in rotation order with the primary last.
    /// </summary>
    /// <exception cref="NoAvailableNodeException">No node is in rotation and the group has no primary.</exception>
    public int[] Order(GroupRoute route, LoadBalancingStrategy? strategy)
    {
        var snapshot = Snapshot;
        if (snapshot is null)
        {
            return Rotation(route);
        }

        Span<LoadCandidate> candidates = stackalloc LoadCandidate[route.NodeCount];
        var count = 0;
        var reasons = new List<string>();
        for (var i = 0; i < route.NodeCount; i++)
        {
            var node = i < snapshot.Nodes.Count ? snapshot.Nodes[i] : null;
            var stats = _stats[i];
            var inFlight = (node?.InFlight ?? 0) + stats.InFlight;
            var reason = node is null ? "not known to the load balancer yet"
                : !node.InRotation ? node.OutReason
                : stats.Suspect ? "this client could not reach it"
                : inFlight >= snapshot.Policy.MaxInFlightPerNode ? $"{inFlight} reads in flight reach its maximum load"
                : null;
            if (reason is not null)
            {
                reasons.Add($"node {i}: {reason}");
                continue;
            }

            var average = stats.AverageResponseMs is var local && local > 0 ? local : node!.AverageResponseMs;
            candidates[count++] = new LoadCandidate(i, inFlight, average, node!.LagEntries, node.LagMs);
        }

        var chosen = strategy ?? snapshot.Policy.Strategy;
        var order = new List<int>(route.NodeCount);
        var remaining = candidates[..count];
        while (remaining.Length > 0)
        {
            var pick = _balancer.Select(remaining, chosen);
            order.Add(remaining[pick].Id);
            remaining[pick] = remaining[^1];
            remaining = remaining[..^1];
        }

        if (route.HasPrimary && !order.Contains(route.PrimaryIndex))
        {
            order.Add(route.PrimaryIndex); // every replica out: the primary serves
        }

        if (order.Count == 0)
        {
            throw new NoAvailableNodeException(
                $"No available nodes in group '{route.Group}': no primary ({route.Problem}) and no node in rotation " +
                $"({string.Join("; ", reasons)})."
            );
        }

        return [.. order];
    }

    /// <summary>All nodes, starting at a rotating position, with the primary moved to the end.</summary>
    public int[] Rotation(GroupRoute route)
    {
        var n = route.NodeCount;
        var start = (int)((uint)Interlocked.Increment(ref _cursor) % (uint)n);
        var order = new List<int>(n);
        for (var j = 0; j < n; j++)
        {
            var i = (start + j) % n;
            if (i != route.PrimaryIndex)
            {
                order.Add(i);
            }
        }

        if (route.HasPrimary)
        {
            order.Add(route.PrimaryIndex);
        }

        return [.. order];
    }

    /// <summary>A read to <paramref name="node"/> starts; returns its start time for <see cref="End"/>.</summary>
    public long Begin(int node)
    {
        _stats[node].Begin();
        return Stopwatch.GetTimestamp();
    }

    /// <summary>A read to <paramref name="node"/> ended: answered (any status) or not reached.</summary>
    public void End(int node, long started, bool answered) =>
        _stats[node].End(answered, Stopwatch.GetElapsedTime(started).TotalMilliseconds);

    private List<NodeObservation> TakeObservations()
    {
        var list = new List<NodeObservation>();
        for (var i = 0; i < _stats.Length; i++)
        {
            if (_stats[i].Take() is { } o)
            {
                list.Add(o with { NodeIndex = i });
            }
        }

        return list;
    }

    private sealed record Fetched(RoutingSnapshot Snapshot, long FetchedTicks);
}
