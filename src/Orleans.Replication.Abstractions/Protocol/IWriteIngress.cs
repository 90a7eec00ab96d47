using Orleans.Services;

namespace Orleans.Replication.Protocol;

/// <summary>
/// One per silo: takes a client's writes at the gateway of the silo where the group's primary lives and hands them
/// to the primary there, so that they do not pass through another silo on the way.
/// </summary>
/// <remarks>
/// A client's call to a grain leaves through whichever of its gateways the grain's id hashes to; when that is not the
/// primary's silo, the gateway forwards the call, and the answer comes back the same way: two more network hops per
/// batch of writes. A client that knows where the primary lives addresses this service on that silo's gateway
/// instead (<see cref="IReplicaNodeGrain.GetWriteIngressAsync"/>). The service only forwards: the node grain decides
/// everything, wherever it lives by the time the call arrives.
/// </remarks>
[Alias("orepl.IWriteIngress")]
public interface IWriteIngress : IGrainService
{
    /// <summary>Hands <paramref name="commands"/> to node <paramref name="index"/> of <paramref name="group"/> and returns its answers, as <see cref="IReplicaNodeGrain.WriteBatchAsync"/>.</summary>
    [Alias("WriteBatch")]
    Task<WriteReply[]> WriteBatchAsync(string group, int index, WriteCommand[] commands);

    /// <summary>
    /// Hands <paramref name="commands"/> to node <paramref name="index"/> of <paramref name="group"/> without waiting: the
    /// answers come to <paramref name="acks"/> under <paramref name="batchId"/>, from a replica or the primary. Nothing
    /// comes back when the batch is lost on the way; the caller's deadline covers that.
    /// </summary>
    [Orleans.Concurrency.OneWay, Alias("Submit")]
    Task SubmitAsync(string group, int index, WriteCommand[] commands, IWriteAcks acks, long batchId);
}
