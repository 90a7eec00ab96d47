using Orleans.Concurrency;

namespace Orleans.Replication;

/// <summary>PROTOTYPE: a client's receiver of write answers sent by the replica or the primary.</summary>
[Alias("orepl.IWriteAcks")]
public interface IWriteAcks : IGrainObserver
{
    [OneWay, Alias("Held")]
    Task HeldAsync(long batchId, long epoch, long firstIndex, int count);

    [OneWay, Alias("Answered")]
    Task AnsweredAsync(long batchId, WriteReply[] replies);
}

/// <summary>PROTOTYPE: who to tell once a replica holds entries FirstIndex..LastIndex.</summary>
[GenerateSerializer, Immutable, Alias("orepl.AckRoute")]
public sealed record AckRoute(
    [property: Id(0)] IWriteAcks Target,
    [property: Id(1)] long BatchId,
    [property: Id(2)] long FirstIndex,
    [property: Id(3)] long LastIndex);
