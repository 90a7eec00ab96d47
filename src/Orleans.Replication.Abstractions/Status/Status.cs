namespace Orleans.Replication;

/// <summary>A node's role in its group.</summary>
public enum NodeRole : byte
{
    /// <summary>Activated but not yet told its role by the coordinator or a primary.</summary>
    Unassigned = 0,

    /// <summary>Takes every write and replicates it.</summary>
    Primary = 1,

    /// <summary>Follows the primary's log and serves reads.</summary>
    Replica = 2,
}

/// <summary>One replica's lag as its primary sees it.</summary>
/// <param name="NodeIndex">The replica.</param>
/// <param name="AppliedIndex">Its applied index as of its last reply.</param>
/// <param name="LagEntries">Entries in the primary's log after that index.</param>
/// <param name="LagMs">Age of the oldest of those entries (when the primary appended it), in milliseconds; 0 when
/// none.</param>
[GenerateSerializer, Immutable, Alias("orepl.ReplicaLag")]
public sealed record ReplicaLag(
    [property: Id(0)] int NodeIndex,
    [property: Id(1)] long AppliedIndex,
    [property: Id(2)] long LagEntries,
    [property: Id(3)] double LagMs);

/// <summary>One node as it reports itself.</summary>
/// <remarks>
/// <see cref="LagEntries"/> and <see cref="LagMs"/>: for a replica, entries it has not applied and the age of the
/// oldest of them (silence from the primary counted); in a <see cref="GroupStatus"/> the larger of that and what the
/// primary sees (<see cref="Replicas"/>). For a primary, 0 entries and how long it has not heard from a majority.
/// <see cref="Unreachable"/> marks the status the coordinator or the load balancer stands in for a node that did not
/// answer: its figures are not the node's, and its <see cref="Silo"/> is not known.
/// <see cref="DurableIndex"/> is the last entry on the node's disk at its <see cref="Durability"/> (equal to
/// <see cref="LastIndex"/> in memory), and <see cref="SyncedIndex"/> the last one fsynced (all of
/// <see cref="DurableIndex"/> at <see cref="Durability.Disk"/>; at <see cref="Durability.Buffered"/> as of the last
/// fsync the node asked for; 0 in memory); <see cref="DataDirectory"/> is where its log lives, null in memory.
/// <see cref="SnapshotsInstalled"/> counts the full snapshots this activation received from a primary (a node that
/// catches up from its log's end receives none).
/// </remarks>
[GenerateSerializer, Immutable, Alias("orepl.NodeStatus")]
public sealed record NodeStatus(
    [property: Id(0)] int NodeIndex,
    [property: Id(1)] NodeRole Role,
    [property: Id(2)] string Silo,
    [property: Id(3)] long Epoch,
    [property: Id(4)] long LastIndex,
    [property: Id(5)] long AppliedIndex,
    [property: Id(6)] long CommitIndex,
    [property: Id(7)] long LagEntries,
    [property: Id(8)] double LagMs,
    [property: Id(9)] bool Healthy,
    [property: Id(10)] Guid Incarnation,
    [property: Id(11)] int KeyCount,
    [property: Id(12)] string? Problem,
    [property: Id(13)] long LastEpoch = 0,
    [property: Id(14)] bool CaughtUp = false,
    [property: Id(15)] int NodeCount = 0,
    [property: Id(16)] IReadOnlyList<ReplicaLag>? Replicas = null,
    [property: Id(17)] bool Unreachable = false,
    [property: Id(18)] long DurableIndex = 0,
    [property: Id(19)] Durability Durability = Durability.Memory,
    [property: Id(20)] string? DataDirectory = null,
    [property: Id(21)] int SnapshotsInstalled = 0,
    [property: Id(22)] long SyncedIndex = 0);

/// <summary>Where a group's writes go: its epoch, primary and size.</summary>
/// <param name="Group">The group.</param>
/// <param name="Epoch">The current epoch.</param>
/// <param name="PrimaryIndex">The primary's node index, or -1 while the group has none.</param>
/// <param name="NodeCount">Nodes in the group.</param>
/// <param name="Problem">Why there is no primary, when there is none, in words.</param>
/// <param name="NoPrimaryReason">Why there is no primary, for code to decide on; <see cref="NoPrimaryReason.None"/>
/// while there is one.</param>
[GenerateSerializer, Immutable, Alias("orepl.GroupRoute")]
public sealed record GroupRoute(
    [property: Id(0)] string Group,
    [property: Id(1)] long Epoch,
    [property: Id(2)] int PrimaryIndex,
    [property: Id(3)] int NodeCount,
    [property: Id(4)] string? Problem = null,
    [property: Id(5)] NoPrimaryReason NoPrimaryReason = NoPrimaryReason.None)
{
    /// <summary>Whether the group has a primary to send writes to.</summary>
    public bool HasPrimary => PrimaryIndex >= 0;
}

/// <summary>How a group is made when created explicitly.</summary>
/// <param name="NodeCount">Nodes in the group, 1..7.</param>
[GenerateSerializer, Immutable, Alias("orepl.GroupConfiguration")]
public sealed record GroupConfiguration([property: Id(0)] int NodeCount)
{
    /// <summary>Throws when the configuration is invalid.</summary>
    public void Validate() => ReplicationLimits.ValidateNodeCount(NodeCount);
}

/// <summary>A group's state: epoch, primary and every node.</summary>
/// <remarks>
/// <see cref="UnderReplicatedSince"/> is the coordinator's own record, from its periodic checks (not from this call):
/// since when fewer than <see cref="NodeCount"/> nodes have been caught up on silos of their own, or null while every
/// node is. <see cref="Repair"/> says what the coordinator is doing about it. <see cref="NextElection"/> is set while
/// the group has no primary: when the coordinator will next try to elect one (it backs off while no majority answers).
/// </remarks>
[GenerateSerializer, Immutable, Alias("orepl.GroupStatus")]
public sealed record GroupStatus(
    [property: Id(0)] string Group,
    [property: Id(1)] long Epoch,
    [property: Id(2)] int PrimaryIndex,
    [property: Id(3)] int NodeCount,
    [property: Id(4)] IReadOnlyList<NodeStatus> Nodes,
    [property: Id(5)] string? Problem = null,
    [property: Id(6)] int Failovers = 0,
    [property: Id(7)] DateTimeOffset? UnderReplicatedSince = null,
    [property: Id(8)] string? Repair = null,
    [property: Id(9)] DateTimeOffset? NextElection = null)
{
    /// <summary>
    /// The replicas fit to serve reads under a lag bound (the seed's healthy replicas): caught up in their current
    /// activation, reporting no problem, and at most <paramref name="maxLag"/> and <paramref name="maxLagEntries"/>
    /// behind.
    /// </summary>
    public IReadOnlyList<NodeStatus> HealthyReplicas(TimeSpan maxLag, long maxLagEntries = long.MaxValue) =>
        [.. Nodes.Where(n => n.Role == NodeRole.Replica && n.NodeIndex != PrimaryIndex && n.Healthy && n.CaughtUp
                             && n.LagMs >= 0 && n.LagMs <= maxLag.TotalMilliseconds && n.LagEntries <= maxLagEntries)];
}

/// <summary>What an operator's recovery of a stuck group did.</summary>
/// <param name="Route">The route after the recovery.</param>
/// <param name="Promoted">The node promoted.</param>
/// <param name="MayHaveLostWrites">
/// True when the promotion could not be proven to keep every acknowledged write: the promoted node was the best
/// reachable one, but nodes that did not answer may have held writes it lacks.
/// </param>
/// <param name="Message">What was done and what may be lost, in words.</param>
[GenerateSerializer, Immutable, Alias("orepl.RecoveryResult")]
public sealed record RecoveryResult(
    [property: Id(0)] GroupRoute Route,
    [property: Id(1)] int Promoted,
    [property: Id(2)] bool MayHaveLostWrites,
    [property: Id(3)] string Message);
