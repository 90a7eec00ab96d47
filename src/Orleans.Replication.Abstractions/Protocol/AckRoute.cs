namespace Orleans.Replication.Protocol;

/// <summary>Who a replica tells once it holds entries <paramref name="FirstIndex"/>..<paramref name="LastIndex"/> of the sender's epoch.</summary>
/// <param name="Target">The client's receiver.</param>
/// <param name="BatchId">The client's id of the batch.</param>
/// <param name="FirstIndex">The batch's first entry.</param>
/// <param name="LastIndex">The batch's last entry.</param>
/// <param name="Incarnation">The activation of the replica the primary counts: no other activation tells the client.</param>
[GenerateSerializer, Immutable, Alias("orepl.AckRoute")]
public sealed record AckRoute(
    [property: Id(0)] IWriteAcks Target,
    [property: Id(1)] long BatchId,
    [property: Id(2)] long FirstIndex,
    [property: Id(3)] long LastIndex,
    [property: Id(4)] Guid Incarnation);
