using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Orleans.Replication.Diagnostics;

/// <summary>The store's instruments, under the meter <see cref="MeterName"/>.</summary>
/// <remarks>
/// Tags: <c>group</c> on every instrument, <c>node</c> on per-node ones, <c>consistency</c> on reads. Replication lag
/// is published by each node about itself once a second and read by the observable gauges; a node that deactivates
/// withdraws its figures. Thread-safe.
/// </remarks>
internal static class ReplicationMetrics
{
    /// <summary>The meter name to subscribe to (OpenTelemetry: <c>AddMeter("Orleans.Replication")</c>).</summary>
    public const string MeterName = "Orleans.Replication";

    private static readonly Meter Meter = new(MeterName);
    private static readonly ConcurrentDictionary<(string Group, int Node), (long Entries, double Seconds)> Lag = new();
    private static readonly ConcurrentDictionary<string, DateTimeOffset> UnderReplicated = new();

    private static readonly Counter<long> Writes = Meter.CreateCounter<long>(
        "replication.writes",
        "{write}",
        "Writes appended to a primary's log (each write once, retries not counted)."
    );
    private static readonly Counter<long> Reads = Meter.CreateCounter<long>(
        "replication.reads",
        "{read}",
        "Reads served by nodes."
    );
    private static readonly Counter<long> IngressBatches = Meter.CreateCounter<long>(
        "replication.ingress.batches",
        "{batch}",
        "Write batches that clients sent to the gateway of the primary's silo, through its write ingress."
    );
    private static readonly Counter<long> Failovers = Meter.CreateCounter<long>(
        "replication.failovers",
        "{failover}",
        "Promotions of a new primary after a failure."
    );

    /// <summary>
    /// Bucket bounds of the commit latency, in seconds: commits take from a tenth of a millisecond to seconds, and the
    /// exporters' default bounds (0, 5, 10, … 10000) would put every one in the first bucket.
    /// </summary>
    internal static readonly double[] CommitLatencyBuckets =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private static readonly Histogram<double> CommitLatency = Meter.CreateHistogram(
        "replication.commit.duration",
        "s",
        "Time from a primary appending an entry to a majority holding it.",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = CommitLatencyBuckets }
    );

    static ReplicationMetrics()
    {
        Meter.CreateObservableGauge(
            "replication.lag.entries",
            () => Lag.Select(l => new Measurement<long>(l.Value.Entries, Tags(l.Key))),
            "{entry}",
            "Committed entries a replica has not applied."
        );
        Meter.CreateObservableGauge(
            "replication.lag.duration",
            () => Lag.Select(l => new Measurement<double>(l.Value.Seconds, Tags(l.Key))),
            "s",
            "Age of the oldest entry a replica has not applied (silence from the primary counted)."
        );
        Meter.CreateObservableGauge(
            "replication.under_replicated.duration",
            () =>
                UnderReplicated.Select(u => new Measurement<double>(
                    Math.Max(0, (DateTimeOffset.UtcNow - u.Value).TotalSeconds),
                    new KeyValuePair<string, object?>("group", u.Key)
                )),
            "s",
            "How long a group has had fewer caught-up nodes on distinct silos than its size; absent while it has all."
        );
    }

    /// <summary>
    /// A group's coordinator found it short of caught-up nodes since <paramref name="since"/>, or (null) whole again.
    /// </summary>
    public static void SetUnderReplicated(string group, DateTimeOffset? since)
    {
        if (since is { } s)
        {
            UnderReplicated[group] = s;
        }
        else
        {
            UnderReplicated.TryRemove(group, out _);
        }
    }

    /// <summary>A node's latest lag figures; replaces the previous ones.</summary>
    public static void PublishLag(string group, int node, long entries, double milliseconds) =>
        Lag[(group, node)] = (entries, double.IsFinite(milliseconds) ? Math.Max(0, milliseconds) / 1000 : 0);

    /// <summary>Withdraws a node's lag figures (it deactivated, or is not a replica).</summary>
    public static void WithdrawLag(string group, int node) => Lag.TryRemove((group, node), out _);

    public static void WritesAppended(string group, long count) =>
        Writes.Add(count, new KeyValuePair<string, object?>("group", group));

    public static void ReadServed(string group, int node, ReadConsistencyKind consistency)
    {
        if (Reads.Enabled)
        {
            Reads.Add(
                1,
                new TagList
                {
                    { "group", group },
                    { "node", node },
                    { "consistency", consistency.ToString() },
                }
            );
        }
    }

    public static void IngressBatch(string group) =>
        IngressBatches.Add(1, new KeyValuePair<string, object?>("group", group));

    public static void FailoverDone(string group) =>
        Failovers.Add(1, new KeyValuePair<string, object?>("group", group));

    /// <summary>
    /// Whether anything listens to the commit-latency histogram: the primary dates committed entries only then.
    /// </summary>
    public static bool CommitLatencyEnabled => CommitLatency.Enabled;

    public static void Committed(string group, TimeSpan latency) =>
        CommitLatency.Record(latency.TotalSeconds, new KeyValuePair<string, object?>("group", group));

    private static TagList Tags((string Group, int Node) key) => new() { { "group", key.Group }, { "node", key.Node } };
}
