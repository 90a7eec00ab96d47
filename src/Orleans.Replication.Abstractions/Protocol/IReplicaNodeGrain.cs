namespace Orleans.Replication.Protocol;

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
    /// <remarks>The client library sends the writes of concurrent callers together: one message for many
    /// writes.</remarks>
    [UnorderedCall, Alias("WriteBatch")]
    Task<WriteReply[]> WriteBatchAsync(WriteCommand[] commands);

    /// <summary>
    /// Accepts a batch as <see cref="WriteBatchAsync"/> does, answering it through <paramref name="acks"/> (see
    /// <see cref="IWriteAcks"/>).
    /// </summary>
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

    /// <summary>
    /// Up to <paramref name="maxItems"/> (1..10000) applied values with keys after <paramref name="afterKey"/>, in
    /// ordinal key order: the input of MapReduce over a group.
    /// </summary>
    [UnorderedCall, Alias("Scan")]
    Task<ScanPage> ScanAsync(string? afterKey, int maxItems);
}
