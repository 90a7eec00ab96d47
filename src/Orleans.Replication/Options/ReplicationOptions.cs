namespace Orleans.Replication.Options;

/// <summary>Silo-wide settings of the replicated store.</summary>
public sealed class ReplicationOptions
{
    /// <summary>Default for <see cref="HeartbeatInterval"/>.</summary>
    public static readonly TimeSpan DefaultHeartbeatInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Default for <see cref="ReplicationCallTimeout"/>.</summary>
    public static readonly TimeSpan DefaultReplicationCallTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Default for <see cref="MaxWriteTimeout"/>.</summary>
    public static readonly TimeSpan DefaultMaxWriteTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Nodes in a group created on first use (1..7). Default 3.</summary>
    public int DefaultNodeCount { get; set; } = ReplicationLimits.DefaultNodeCount;

    /// <summary>Longest key accepted, in UTF-8 bytes. Default 1 KiB.</summary>
    public int MaxKeyBytes { get; set; } = ReplicationLimits.DefaultMaxKeyBytes;

    /// <summary>Largest value accepted, in bytes. Default 1 MiB.</summary>
    public int MaxValueBytes { get; set; } = ReplicationLimits.DefaultMaxValueBytes;

    /// <summary>Most entries in one replication call. Default 512.</summary>
    public int MaxBatchEntries { get; set; } = 512;

    /// <summary>Most replication calls in flight to one replica (pipelining). Default 4.</summary>
    public int MaxInFlightBatches { get; set; } = 4;

    /// <summary>
    /// How often an idle primary probes its replicas, and how often it answers writes whose deadline passed; also the
    /// grace before silence counts as lag. 10 ms..1 s, default 100 ms.
    /// </summary>
    public TimeSpan HeartbeatInterval { get; set; } = DefaultHeartbeatInterval;

    /// <summary>How long a primary waits for one replication call before it resends. Default 2 s.</summary>
    public TimeSpan ReplicationCallTimeout { get; set; } = DefaultReplicationCallTimeout;

    /// <summary>Longest deadline a write may ask for. Default 5 min.</summary>
    public TimeSpan MaxWriteTimeout { get; set; } = DefaultMaxWriteTimeout;

    /// <summary>
    /// Entries kept behind the applied index while every replica has them (a short tail for replicas that fall behind).
    /// Default 1,000.
    /// </summary>
    public int MinRetainedLogEntries { get; set; } = 1_000;

    /// <summary>
    /// Most entries kept in a log: beyond this the log is cut even if a replica still needs them, and that replica gets
    /// a snapshot. Default 100,000.
    /// </summary>
    public int MaxRetainedLogEntries { get; set; } = 100_000;

    /// <summary>Keys per snapshot chunk. Default 1,000.</summary>
    public int SnapshotChunkSize { get; set; } = 1_000;

    /// <summary>
    /// How long a node remembers a write id, so that a retry of the write is applied once. Default 2 min.
    /// </summary>
    public TimeSpan DeduplicationWindow { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Most write ids a node remembers. Default 250,000.</summary>
    public int MaxDeduplicationEntries { get; set; } = 250_000;

    /// <summary>How often a group's coordinator checks that its primary answers. Default 200 ms.</summary>
    public TimeSpan PrimaryCheckInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How long the coordinator waits for the primary's answer to a check (and for each node during a failover).
    /// Default 500 ms.
    /// </summary>
    public TimeSpan PrimaryCheckTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Consecutive unanswered checks after which the coordinator fails over. Default 2.</summary>
    public int PrimaryCheckFailures { get; set; } = 2;

    /// <summary>A replica more than this far behind (in time) reports itself unhealthy. Default 5 s.</summary>
    public TimeSpan MaxHealthyLag { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The read strategy of a group whose load balancer was not told another (<c>SetReadPolicyAsync</c>). Default least
    /// connections.
    /// </summary>
    public LoadBalancing.LoadBalancingStrategy ReadStrategy { get; set; } =
        LoadBalancing.LoadBalancingStrategy.LeastConnections;

    /// <summary>
    /// A replica further behind than this (in time) leaves the read rotation, by default. Default 5 s.
    /// </summary>
    public TimeSpan MaxReadLag { get; set; } = LoadBalancing.ReadRoutingPolicy.DefaultMaxReadLag;

    /// <summary>
    /// Reads in flight (from every client) at which a node leaves the read rotation until it drains, by default.
    /// Default 10,000.
    /// </summary>
    public int MaxReadsInFlightPerNode { get; set; } = LoadBalancing.ReadRoutingPolicy.DefaultMaxInFlightPerNode;

    /// <summary>
    /// The silo's data directory: every node on this silo keeps its write-ahead log and snapshots under it, and finds
    /// them again after a restart. Null (the default) keeps every node in memory only.
    /// </summary>
    /// <remarks>
    /// The directory must exist and be writable. It is claimed for the silo's cluster and name (Orleans'
    /// <c>SiloOptions.SiloName</c>) on first use; another cluster or silo name is refused at start, so give the silo a
    /// stable name (Orleans makes up a random one by default).
    /// </remarks>
    public string? DataDirectory { get; set; }

    /// <summary>
    /// The durability of groups on this silo: <see cref="Replication.Durability.Disk"/> by default when
    /// <see cref="DataDirectory"/> is set; <see cref="Replication.Durability.Memory"/> (the only level possible)
    /// without one.
    /// </summary>
    public Durability? Durability { get; set; }

    /// <summary>
    /// Entries applied since the last snapshot after which a node with a data directory writes a new one, so that its
    /// log files behind it are released (or after as many entries as it holds keys, when that is more). Default
    /// 100,000.
    /// </summary>
    public int SnapshotEveryEntries { get; set; } = 100_000;

    /// <summary>
    /// At <see cref="Replication.Durability.Buffered"/>, the longest a written entry waits for its fsync (as Redis'
    /// <c>appendfsync everysec</c>, more often). A write that asks for <see cref="Replication.Durability.Disk"/>
    /// has its own fsync at once. Default 100 ms; at most 10 minutes.
    /// </summary>
    public TimeSpan BufferedFlushInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The durability groups on this silo get: <see cref="Durability"/>, or its default.</summary>
    public Durability EffectiveDurability =>
        Durability ?? (DataDirectory is null ? Replication.Durability.Memory : Replication.Durability.Disk);

    /// <summary>
    /// How long a group waits for a node kept on disk to come back with its silo before it re-creates the node
    /// elsewhere from a snapshot (as for a node in memory, at once). A node that returns in time catches up from its
    /// log's end. Default 30 s.
    /// </summary>
    public TimeSpan DiskNodeReturnGrace { get; set; } = TimeSpan.FromSeconds(30);
}
