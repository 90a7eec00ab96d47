namespace Orleans.Replication.Primary;

/// <summary>What a node knows and keeps only while it leads an epoch: its replicas, the writes awaiting their concern,
/// the leadership rounds of strong reads, the batches a replica acknowledges, a switchover under way.</summary>
/// <remarks>
/// Made when the node becomes primary and dropped when it stops leading, so nothing of one term outlives it: a node
/// that leads again, in a later epoch, starts from a new one. Like the grain that holds it, it is used on the grain's
/// scheduler only.
/// </remarks>
internal sealed class PrimaryRole(ReplicaLink[] links, CommitTracker tracker)
{
    /// <summary>The group's other nodes, which count toward quorums.</summary>
    public ReplicaLink[] Links { get; } = links;

    /// <summary>Every link this primary sends to: <see cref="Links"/>, then the nodes being synced to join a growing
    /// group (learners: sent everything, counted toward nothing).</summary>
    public ReplicaLink[] SendTo { get; set; } = links;

    /// <summary>The writes awaiting their concern, and the commit point of the links' positions.</summary>
    public CommitTracker Tracker { get; } = tracker;

    /// <summary>
    /// Writes that must be on disk while this primary's log is written buffered: counted from the fsynced positions
    /// (<see cref="ReplicaLink.SyncedIndex"/>, and the primary's own). Made at the first such write.
    /// </summary>
    public CommitTracker? DiskTracker { get; set; }

    /// <summary>The last entry a write waiting in <see cref="DiskTracker"/> needs fsynced.</summary>
    public long SyncWanted { get; set; }

    /// <summary>Probes idle replicas, expires overdue writes and answers overdue batches.</summary>
    public IGrainTimer? Heartbeat { get; set; }

    /// <summary>First index of this primary's epoch: strong reads wait until it is committed.</summary>
    public long EpochStartIndex { get; set; }

    /// <summary>A planned switchover is under way: writes are refused until this node is deposed.</summary>
    public bool HandingOver { get; set; }

    /// <summary>
    /// During a switchover: completed once <see cref="HandOverTarget"/> holds the whole log, or leadership ends.
    /// </summary>
    public TaskCompletionSource? HandOverDone { get; set; }

    /// <summary>The node a switchover hands over to.</summary>
    public int HandOverTarget { get; set; }

    /// <summary>The rounds by which strong reads confirm that this primary still leads.</summary>
    public LeadershipRounds LeadershipRounds { get; } = new();

    /// <summary>Batches a replica is to acknowledge, until it did or the primary answered instead.</summary>
    public RoutedBatches RoutedBatches { get; } = new();

    /// <summary>The link to node <paramref name="nodeIndex"/> among <see cref="Links"/>, or null.</summary>
    public ReplicaLink? LinkTo(int nodeIndex) => Array.Find(Links, l => l.NodeIndex == nodeIndex);

    /// <summary>
    /// UTC ticks by which a majority of the group of <paramref name="nodeCount"/> (this primary included) had last
    /// answered.
    /// </summary>
    public long MajorityContactTicks(long nowTicks, int nodeCount)
    {
        if (Links.Length == 0)
        {
            return nowTicks;
        }

        var need = nodeCount / 2;
        Span<long> replies = stackalloc long[Links.Length];
        for (var i = 0; i < Links.Length; i++)
        {
            replies[i] = Links[i].LastReplyTicks;
        }

        replies.Sort();
        return need == 0 ? nowTicks : replies[^need];
    }
}
