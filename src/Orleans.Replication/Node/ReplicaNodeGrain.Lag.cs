using Orleans.Replication.Diagnostics;
using Orleans.Replication.Primary;

namespace Orleans.Replication.Node;

/// <summary>
/// How far behind this node is, and, on a primary, each replica as it sees them (published to the metrics).
/// </summary>
internal sealed partial class ReplicaNodeGrain
{
    /// <summary>How often a primary publishes its replicas' lag to the metrics.</summary>
    private static readonly TimeSpan LagPublishInterval = TimeSpan.FromSeconds(1);

    /// <summary>Whether this node published replicas' lag: only then does it withdraw them.</summary>
    private bool _publishedLag;

    /// <summary>
    /// A primary publishes each replica's lag (as it sees it) for the <c>replication.lag.*</c> gauges; a deposed one
    /// withdraws its figures.
    /// </summary>
    private Task PublishLag()
    {
        if (_primary is { } primary)
        {
            foreach (var lag in ReplicaLags(primary))
            {
                ReplicationMetrics.PublishLag(_group, lag.NodeIndex, lag.LagEntries, lag.LagMs);
            }

            _publishedLag = true;
        }
        else if (_publishedLag)
        {
            WithdrawLag();
        }

        return Task.CompletedTask;
    }

    private void WithdrawLag()
    {
        _publishedLag = false;
        for (var i = 0; i < _nodeCount; i++)
        {
            if (i != _index)
            {
                ReplicationMetrics.WithdrawLag(_group, i);
            }
        }
    }

    /// <summary>Lag of this node: entries the primary had that it has not applied, and how old that gap is.</summary>
    /// <remarks>
    /// A replica's lag in time is the age of the oldest entry it has not applied; silence from the primary for
    /// longer than a heartbeat interval counts as lag too, since entries may exist that it has not heard of.
    /// A primary measures the same silence against a majority of its replicas: a primary cut off from its
    /// group cannot vouch for the freshness of what it serves.
    /// </remarks>
    private (long Entries, double Ms) ComputeLag()
    {
        var now = NowTicks;
        var grace = _options.HeartbeatInterval.Ticks;
        switch (_primary, _replica)
        {
            case ({ } primary, _):
                return (
                    0,
                    Math.Max(0, now - primary.MajorityContactTicks(now, _nodeCount) - grace)
                        / (double)TimeSpan.TicksPerMillisecond
                );
            case (_, { LastContactTicks: 0 } replica):
                return (Math.Max(0, replica.LeaderLastIndex - _state.AppliedIndex), double.PositiveInfinity);
            case (_, { } replica):
                var behind = Math.Max(0, replica.LeaderLastIndex - _state.AppliedIndex);
                var silence = Math.Max(0, now - replica.LastContactTicks - grace);
                long age = silence;
                if (behind > 0)
                {
                    var oldest = _state.AppliedIndex + 1;
                    age = Math.Max(
                        silence,
                        oldest <= _log.LastIndex ? now - _log[oldest].CreatedTicks : now - replica.LastContactTicks
                    );
                }

                return (behind, Math.Max(0, age) / (double)TimeSpan.TicksPerMillisecond);
            default:
                return (0, double.PositiveInfinity);
        }
    }

    /// <summary>
    /// Each replica's lag as this primary sees it: entries after the replica's last reported applied index, and the age
    /// of the first of them.
    /// </summary>
    /// <remarks>
    /// The primary stamped every entry when it appended it, so the age is exact as of the replica's last reply; a
    /// replica that stopped answering only grows older here, never younger. An entry already compacted away is
    /// older than the oldest one kept, whose age is then a lower bound.
    /// </remarks>
    private ReplicaLag[] ReplicaLags(PrimaryRole primary)
    {
        var now = NowTicks;
        var links = primary.Links;
        var lags = new ReplicaLag[links.Length];
        for (var i = 0; i < links.Length; i++)
        {
            var link = links[i];
            var applied = Math.Min(link.AppliedIndex, _log.LastIndex);
            var entries = _log.LastIndex - applied;
            var ms = 0.0;
            var oldest = Math.Max(applied + 1, _log.BaseIndex + 1);
            if (entries > 0 && oldest <= _log.LastIndex)
            {
                // With no entry kept to date it (a log just reset by a snapshot), the replica's own figure stands.
                ms = Math.Max(0, now - _log[oldest].CreatedTicks) / (double)TimeSpan.TicksPerMillisecond;
            }

            lags[i] = new ReplicaLag(link.NodeIndex, applied, entries, ms);
        }

        return lags;
    }
}
