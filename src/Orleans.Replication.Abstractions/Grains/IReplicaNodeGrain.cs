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
    [Alias("Write")]
    Task<WriteReply> WriteAsync(WriteCommand command);

    /// <summary>Takes several writes in one call (primary only); the answers come in the same order.</summary>
    /// <remarks>The client library sends the writes of concurrent callers together: one message for many writes.</remarks>
    [Alias("WriteBatch")]
    Task<WriteReply[]> WriteBatchAsync(WriteCommand[] commands);

    /// <summary>Serves a read under the consistency asked for.</summary>
    [Alias("Read")]
    Task<ReadReply> ReadAsync(ReadRequest request);

    /// <summary>Replication from the primary: entries, or a probe.</summary>
    [Alias("Append")]
    Task<AppendResponse> AppendAsync(AppendRequest request);

    /// <summary>Replication from the primary: one chunk of a snapshot.</summary>
    [Alias("InstallSnapshot")]
    Task<AppendResponse> InstallSnapshotAsync(SnapshotChunk chunk);

    /// <summary>Tells the node its group, size, epoch and primary (from the coordinator).</summary>
    [Alias("Assign")]
    Task<NodeStatus> AssignAsync(NodeAssignment assignment);

    /// <summary>The node's status.</summary>
    [Alias("GetStatus")]
    Task<NodeStatus> GetStatusAsync();
}

/// <summary>The control plane of one group, keyed by the group name.</summary>
/// <remarks>Writes and reads never pass through it: clients cache its route and refresh it when told it is stale.</remarks>
[Alias("orepl.IGroupCoordinatorGrain")]
public interface IGroupCoordinatorGrain : IGrainWithStringKey
{
    /// <summary>The group's current epoch and primary; creates the group from the silo's defaults on first use.</summary>
    [Alias("GetRoute")]
    Task<GroupRoute> GetRouteAsync();

    /// <summary>Creates the group with <paramref name="configuration"/>; returns the route. Fails if it exists with another size.</summary>
    [Alias("Create")]
    Task<GroupRoute> CreateAsync(GroupConfiguration configuration);

    /// <summary>Epoch, primary and the status of every node (unreachable nodes reported unhealthy).</summary>
    [Alias("GetStatus")]
    Task<GroupStatus> GetStatusAsync();
}

/// <summary>A plain, non-replicated key-value grain: the baseline that replicated writes are measured against.</summary>
[Alias("orepl.IBaselineStoreGrain")]
public interface IBaselineStoreGrain : IGrainWithStringKey
{
    /// <summary>Stores a value and returns its version.</summary>
    [Alias("Put")]
    Task<long> PutAsync(string key, byte[] value, CancellationToken cancellationToken = default);

    /// <summary>Reads a value.</summary>
    [Alias("Get")]
    Task<byte[]?> GetAsync(string key);
}
