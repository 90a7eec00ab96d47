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
    /// <summary>
    /// Hands <paramref name="commands"/> to node <paramref name="index"/> of <paramref name="group"/> and returns its
    /// answers, as <see cref="IReplicaNodeGrain.WriteBatchAsync"/>.
    /// </summary>
    [Alias("WriteBatch")]
    Task<WriteReply[]> WriteBatchAsync(string group, int index, WriteCommand[] commands);

    /// <summary>
    /// Hands <paramref name="commands"/> to node <paramref name="index"/> of <paramref name="group"/> without waiting:
    /// the answers come to <paramref name="acks"/> under <paramref name="batchId"/>, from a replica or the primary.
    /// Nothing comes back when the batch is lost on the way; the caller's deadline covers that.
    /// </summary>
    [Orleans.Concurrency.OneWay, Alias("Submit")]
    Task SubmitAsync(string group, int index, WriteCommand[] commands, IWriteAcks acks, long batchId);
}

/// <summary>Where a client reaches the write ingress of the silo that hosts a primary.</summary>
/// <param name="Ingress">The ingress service addressed at the silo's gateway.</param>
/// <param name="GatewayHost">The gateway's IP address, as the client's gateway list names it.</param>
/// <param name="GatewayPort">The gateway's port.</param>
[GenerateSerializer, Immutable, Alias("orepl.WriteIngressAddress")]
public sealed record WriteIngressAddress(
    [property: Id(0)] GrainId Ingress,
    [property: Id(1)] string GatewayHost,
    [property: Id(2)] int GatewayPort);
