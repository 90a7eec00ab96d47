using System.Globalization;

namespace Orleans.Replication.LoadBalancing;

/// <summary>
/// The load-balancer state of one group: each node's last status, membership, load as clients report it, and response
/// times.
/// </summary>
/// <remarks>
/// A node is in rotation unless one of these holds: its last status check failed (unreachable), its silo is not
/// Active in membership, it is a replica whose lag is above the policy's bound, the in-flight reads that clients
/// report reach the policy's maximum, or clients reported failures and no success since the last check within
/// <see cref="FailureQuarantine"/>. Each condition clears by itself when the next check or report shows recovery.
/// In-flight counts are kept per client and dropped when a client has not reported for <see cref="ReportExpiry"/>,
/// so a client that went away does not hold a node out. Not thread-safe: the grain calls it on its own scheduler.
/// </remarks>
internal sealed class GroupLoad(string group, TimeProvider time)
{
    /// <summary>How long a client's in-flight counts count after its last report.</summary>
    public static readonly TimeSpan ReportExpiry = TimeSpan.FromSeconds(5);

    /// <summary>How long clients' failure reports keep a node out when no check has shown it answering since.</summary>
    public static readonly TimeSpan FailureQuarantine = TimeSpan.FromSeconds(2);

    private readonly Dictionary<int, NodeEntry> _nodes = [];
    private readonly Dictionary<Guid, (int[] InFlight, long Ticks)> _clients = [];
    private long _epoch;
    private int _primaryIndex = -1;
    private int _nodeCount;
    private long _checkedTicks;

    public ReadRoutingPolicy Policy { get; private set; } = ReadRoutingPolicy.Default;

    /// <summary>Whether no check has been recorded since creation or <see cref="MarkStale"/>.</summary>
    public bool IsStale { get; private set; } = true;

    /// <summary>Checks paused: the next snapshot must follow a fresh check.</summary>
    public void MarkStale() => IsStale = true;

    /// <summary>Replaces the policy after validating it; an invalid one throws and changes nothing.</summary>
    public void SetPolicy(ReadRoutingPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        policy.Validate();
        Policy = policy;
    }

    /// <summary>
    /// Records a round of checks: the route, and each node's status (null when it did not answer) and whether its silo
    /// is Active.
    /// </summary>
    public void ObserveCheck(
        GroupRoute route,
        IReadOnlyList<(NodeStatus? Status, bool SiloActive, string? Error)> nodes
    )
    {
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(nodes);
        var now = time.GetUtcNow().UtcTicks;
        _epoch = route.Epoch;
        _primaryIndex = route.PrimaryIndex;
        _nodeCount = route.NodeCount;
        _checkedTicks = now;
        IsStale = false;
        for (var i = 0; i < nodes.Count; i++)
        {
            var entry = Entry(i);
            var (status, active, error) = nodes[i];
            entry.Status = status;
            entry.SiloActive = active;
            entry.CheckError = status is null ? error ?? "did not answer" : null;
            if (status is not null)
            {
                entry.LastAnsweredTicks = now;
            }
        }
    }

    /// <summary>Takes a client's observations.</summary>
    /// <exception cref="ArgumentException">The report is malformed (a node index out of range, negative counts or
    /// times); nothing is recorded.</exception>
    public void ObserveReport(LoadReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(report.Nodes);
        foreach (var o in report.Nodes)
        {
            if (o is null || o.NodeIndex is < 0 or >= ReplicationLimits.MaxNodeCount || o.InFlight < 0 || o.Failures < 0
                || o.ResponseTimesMs is null || o.ResponseTimesMs.Any(t => !double.IsFinite(t) || t < 0))
            {
                throw new ArgumentException(
                    "A load report holds an invalid observation (node index, counts and times must be in range).",
                    nameof(report)
                );
            }
        }

        var now = time.GetUtcNow().UtcTicks;
        var inFlight = new int[ReplicationLimits.MaxNodeCount];
        foreach (var o in report.Nodes)
        {
            var entry = Entry(o.NodeIndex);
            inFlight[o.NodeIndex] = o.InFlight;
            foreach (var t in o.ResponseTimesMs.AsSpan(Math.Max(0, o.ResponseTimesMs.Length - 100)))
            {
                entry.ResponseTimes.Add(t);
            }

            if (o.Failures > 0 && o.ResponseTimesMs.Length == 0)
            {
                entry.ReportedFailureTicks = now;
            }
            else if (o.ResponseTimesMs.Length > 0)
            {
                entry.ReportedFailureTicks = 0;
            }
        }

        _clients[report.ClientId] = (inFlight, now);
    }

    /// <summary>
    /// The snapshot for <paramref name="clientId"/> (its own in-flight counts left out), or for an observer when null.
    /// </summary>
    public RoutingSnapshot Snapshot(Guid? clientId)
    {
        var now = time.GetUtcNow().UtcTicks;
        foreach (var stale in _clients.Where(c => now - c.Value.Ticks > ReportExpiry.Ticks).Select(c => c.Key).ToList())
        {
            _clients.Remove(stale);
        }

        var nodes = new NodeLoad[_nodeCount];
        for (var i = 0; i < _nodeCount; i++)
        {
            var entry = Entry(i);
            var total = 0;
            var others = 0;
            foreach (var (id, c) in _clients)
            {
                total += c.InFlight[i];
                if (id != clientId)
                {
                    others += c.InFlight[i];
                }
            }

            var reason = OutReason(i, entry, total, now);
            var status = entry.Status;
            nodes[i] = new NodeLoad(
                i,
                status?.Role ?? NodeRole.Unassigned,
                reason is null,
                reason,
                clientId is null ? total : others,
                entry.ResponseTimes.Value,
                status?.LagEntries ?? 0,
                status is null || status.LagMs < 0 ? 0 : status.LagMs
            );
        }

        return new RoutingSnapshot(group, _epoch, _primaryIndex, Policy, nodes, _checkedTicks);
    }

    private string? OutReason(int index, NodeEntry entry, int inFlight, long now)
    {
        if (entry.Status is not { } status)
        {
            return entry.CheckError is null ? "not checked yet" : "unreachable: " + entry.CheckError;
        }

        if (!entry.SiloActive)
        {
            return $"its silo {status.Silo} is not Active in the cluster's membership";
        }

        if (status.Role == NodeRole.Unassigned || (status.Role == NodeRole.Replica && !status.CaughtUp))
        {
            return status.Role == NodeRole.Unassigned ? "not assigned a role" : "catching up after activation";
        }

        if (status.Role == NodeRole.Replica && index != _primaryIndex
            && (status.LagMs > Policy.MaxReadLag.TotalMilliseconds || status.LagEntries > Policy.MaxReadLagEntries))
        {
            return string.Create(
                CultureInfo.InvariantCulture,
                $"lag {status.LagEntries} entries / {status.LagMs:0} ms is above the bound for reads " +
                $"({Policy.MaxReadLagEntries} entries / {Policy.MaxReadLag.TotalMilliseconds:0} ms)"
            );
        }

        if (inFlight >= Policy.MaxInFlightPerNode)
        {
            return string.Create(
                CultureInfo.InvariantCulture,
                $"{inFlight} reads in flight reach its maximum load of {Policy.MaxInFlightPerNode}"
            );
        }

        if (
            entry.ReportedFailureTicks > entry.LastAnsweredTicks
            && now - entry.ReportedFailureTicks < FailureQuarantine.Ticks
        )
        {
            return "clients could not reach it";
        }

        return null;
    }

    private NodeEntry Entry(int index)
    {
        if (!_nodes.TryGetValue(index, out var entry))
        {
            entry = new NodeEntry();
            _nodes[index] = entry;
        }

        return entry;
    }

    private sealed class NodeEntry
    {
        public NodeStatus? Status { get; set; }

        public bool SiloActive { get; set; }

        public string? CheckError { get; set; }

        public long LastAnsweredTicks { get; set; }

        public long ReportedFailureTicks { get; set; }

        public MovingAverage ResponseTimes { get; } = new();
    }
}
