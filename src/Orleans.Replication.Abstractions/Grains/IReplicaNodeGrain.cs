namespace Orleans.Replication;

/// <summary>One copy of a group's data, keyed <c>"{group}/{index}"</c>: primary or replica.</summary>
/// <remarks>
/// Every message carries an epoch; a node rejects older epochs and a primary that sees a newer one steps down.
/// Replication entries are applied strictly in log order, and only up to the commit index (what a majority
/// holds), so no reader sees a write that a failover could lose.
/// </remarks>
[Alias("orepl.IReplicaNodeGrain")]
public interface IReplicaNodeGrain : IGrainWithStringKey
{
    /// <summary>Takes a write (primary only).</summary>
    [UnorderedCall, Alias("Write")]
    Task<WriteReply> WriteAsync(WriteCommand command);

    /// <summary>Takes several writes in one call (primary only); the answers come in the same order.</summary>
    /// <remarks>The client library sends the writes of concurrent callers together: one message for many writes.</remarks>
    [UnorderedCall, Alias("WriteBatch")]
    Task<WriteReply[]> WriteBatchAsync(WriteCommand[] commands);

    /// <summary>Accepts a batch as <see cref="WriteBatchAsync"/> does, answering it through <paramref name="acks"/> (see <see cref="IWriteAcks"/>).</summary>
    [Orleans.Concurrency.OneWay, UnorderedCall, Alias("Submit")]
    Task SubmitAsync(WriteCommand[] commands, IWriteAcks acks, long batchId);

    /// <summary>
    /// Where a client reaches this node's silo directly for writes: the <see cref="IWriteIngress"/> at the silo's
    /// gateway; null when the silo has no gateway.
    /// </summary>
    [UnorderedCall, Alias("GetWriteIngress")]
    Task<WriteIngressAddress?> GetWriteIngressAsync();

    /// <summary>Serves a read under the consistency asked for.</summary>
    [UnorderedCall, Alias("Read")]
    Task<ReadReply> ReadAsync(ReadRequest request);

    /// <summary>Replication from the primary: entries, or a probe.</summary>
    [UnorderedCall, Alias("Append")]
    Task<AppendResponse> AppendAsync(AppendRequest request);

    /// <summary>Replication from the primary: one chunk of a snapshot.</summary>
    [UnorderedCall, Alias("InstallSnapshot")]
    Task<AppendResponse> InstallSnapshotAsync(SnapshotChunk chunk);

    /// <summary>Tells the node its group, size, epoch and primary (from the coordinator).</summary>
    [UnorderedCall, Alias("Assign")]
    Task<NodeStatus> AssignAsync(NodeAssignment assignment);

    /// <summary>The node's status.</summary>
    [UnorderedCall, Alias("GetStatus")]
    Task<NodeStatus> GetStatusAsync();

    /// <summary>
    /// Moves the node to <paramref name="epoch"/> with no primary yet (from the coordinator, before a promotion):
    /// from now on it refuses every message of an older epoch. <paramref name="nodeCount"/> is the group's size in
    /// that epoch (it changes when replicas are added or removed). Returns its status, with its last log entry.
    /// </summary>
    [UnorderedCall, Alias("BeginEpoch")]
    Task<NodeStatus> BeginEpochAsync(long epoch, int nodeCount);

    /// <summary>
    /// On the primary of <paramref name="epoch"/>: starts replicating to node <paramref name="learner"/> (the next
    /// index of a growing group) without counting it toward any quorum, until a new epoch makes it a member.
    /// False when this node does not lead that epoch.
    /// </summary>
    [UnorderedCall, Alias("AddLearner")]
    Task<bool> AddLearnerAsync(int learner, long epoch);

    /// <summary>
    /// Takes the node out of its group: it forgets its log and data and holds no role, keeping only the newest epoch it
    /// has seen, so that it follows no older leader. From the coordinator, for a node removed from the group or about
    /// to join it afresh.
    /// </summary>
    [UnorderedCall, Alias("Reset")]
    Task<NodeStatus> ResetAsync(long epoch);

    /// <summary>
    /// Planned switchover, on the primary: stops taking writes and waits until node <paramref name="target"/> holds
    /// the whole log. True when it does within <paramref name="timeout"/>; false (and writes resume) otherwise.
    /// </summary>
    [UnorderedCall, Alias("HandOver")]
    Task<bool> HandOverAsync(int target, TimeSpan timeout);

    /// <summary>
    /// Moves this node (a replica) to silo <paramref name="target"/>, from the coordinator when two nodes of the group
    /// share a silo while another silo hosts none. The node starts there empty and catches up from the primary.
    /// </summary>
    [UnorderedCall, Alias("Relocate")]
    Task RelocateAsync(Orleans.Runtime.SiloAddress target);

    /// <summary>Up to <paramref name="maxItems"/> (1..10000) applied values with keys after <paramref name="afterKey"/>, in ordinal key order: the input of MapReduce over a group.</summary>
    [UnorderedCall, Alias("Scan")]
    Task<ScanPage> ScanAsync(string? afterKey, int maxItems);
}

/// <summary>The control plane of one group, keyed by the group name.</summary>
/// <remarks>
/// Writes and reads never pass through it: clients cache its route and refresh it when told it is stale. Calls are
/// <see cref="UnorderedCallAttribute">unordered</see>: routes carry epochs, and a client never goes back to an older one.
/// </remarks>
[Alias("orepl.IGroupCoordinatorGrain")]
public interface IGroupCoordinatorGrain : IGrainWithStringKey
{
    /// <summary>The group's current epoch and primary; creates the group from the silo's defaults on first use.</summary>
    [UnorderedCall, Alias("GetRoute")]
    Task<GroupRoute> GetRouteAsync();

    /// <summary>Creates the group with <paramref name="configuration"/>; returns the route. Fails if it exists with another size.</summary>
    [UnorderedCall, Alias("Create")]
    Task<GroupRoute> CreateAsync(GroupConfiguration configuration);

    /// <summary>Epoch, primary and the status of every node (unreachable nodes reported unhealthy).</summary>
    [UnorderedCall, Alias("GetStatus")]
    Task<GroupStatus> GetStatusAsync();

    /// <summary>Planned switchover to node <paramref name="target"/> (or the most up-to-date replica): the target catches up fully, then leads a new epoch.</summary>
    [UnorderedCall, Alias("Switchover")]
    Task<GroupRoute> SwitchoverAsync(int? target);

    /// <summary>
    /// Adds a replica (node index N of a group of N): it is synced fully (snapshot, then the log) while counting toward
    /// no quorum, then joins the group in a new epoch. Fails, changing nothing, when it does not catch up within
    /// <paramref name="timeout"/> or the group is at its maximum size.
    /// </summary>
    [UnorderedCall, Alias("AddReplica")]
    Task<GroupRoute> AddReplicaAsync(TimeSpan timeout);

    /// <summary>
    /// Removes a replica: the node with the highest index leaves the group in a new epoch (after a switchover when it
    /// is the primary) and forgets its data. Fails when the group has a single node.
    /// </summary>
    [UnorderedCall, Alias("RemoveReplica")]
    Task<GroupRoute> RemoveReplicaAsync(TimeSpan timeout);

    /// <summary>Told by a silo's membership watcher that <paramref name="silo"/> is dead: fails over at once if the primary lived there.</summary>
    [UnorderedCall, Alias("OnSiloDead")]
    Task OnSiloDeadAsync(string silo);

    /// <summary>Told by a client that the primary did not answer: checks it at once instead of waiting for the next periodic check.</summary>
    [UnorderedCall, Alias("ReportPrimaryTrouble")]
    Task ReportPrimaryTroubleAsync(long epoch);

    /// <summary>
    /// An operator's way out of a group left without a primary: promotes the best reachable node under a new epoch.
    /// Without <paramref name="acceptLoss"/> it refuses (with <see cref="InvalidOperationException"/>, saying why) unless
    /// the promotion provably keeps every acknowledged write; with it, it promotes anyway and says what may be lost.
    /// </summary>
    [UnorderedCall, Alias("Recover")]
    Task<RecoveryResult> RecoverAsync(bool acceptLoss);

    /// <summary>
    /// Where a new activation of node <paramref name="index"/> should go: an active silo holding no other node of the
    /// group, or null when the coordinator knows too little to say. Asked by the silos' placement, not by users.
    /// </summary>
    [UnorderedCall, Alias("PlaceNode")]
    Task<Orleans.Runtime.SiloAddress?> PlaceNodeAsync(int index);
}

/// <summary>The list of groups of the cluster, so that a dead silo can be announced to every coordinator.</summary>
[Alias("orepl.IGroupDirectoryGrain")]
public interface IGroupDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>Records that group <paramref name="group"/> exists (idempotent; coordinators repeat it).</summary>
    [Alias("Register")]
    Task RegisterAsync(string group);

    /// <summary>Announces a dead silo to every group's coordinator (each silo's watcher calls it; repeats are ignored).</summary>
    [Alias("SiloDead")]
    Task SiloDeadAsync(string silo);
}
