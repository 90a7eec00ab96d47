using Orleans.Concurrency;

namespace Orleans.Replication.Protocol;

/// <summary>
/// A client's receiver of the answers to write batches it submitted (see <see cref="IWriteIngress.SubmitAsync"/>).
/// </summary>
/// <remarks>
/// A batch whose writes each need one replica is answered by the replica that holds it (<see cref="HeldAsync"/>),
/// one crossing between processes sooner than the primary could; every other batch, and any the replica could not
/// answer, by the primary (<see cref="AnsweredAsync"/>). A batch may be answered twice; both answers say the same,
/// and the first one counts.
/// </remarks>
[Alias("orepl.IWriteAcks")]
public interface IWriteAcks : IGrainObserver
{
    /// <summary>
    /// A replica holds the batch's writes, which the primary appended as entries <paramref name="firstIndex"/> onward
    /// in order, in <paramref name="epoch"/>: each is acknowledged.
    /// </summary>
    [OneWay, Alias("Held")]
    Task HeldAsync(long batchId, long epoch, long firstIndex, int count, int replicas);

    /// <summary>The primary's answers to the batch's writes, in order.</summary>
    [OneWay, Alias("Answered")]
    Task AnsweredAsync(long batchId, WriteReply[] replies);
}

/// <summary>
/// Who a replica tells once it holds entries <paramref name="FirstIndex"/>..<paramref name="LastIndex"/> of the
/// sender's epoch.
/// </summary>
/// <param name="Target">The client's receiver.</param>
/// <param name="BatchId">The client's id of the batch.</param>
/// <param name="FirstIndex">The batch's first entry.</param>
/// <param name="LastIndex">The batch's last entry.</param>
/// <param name="Incarnation">The activation of the replica the primary counts: no other activation tells the
/// client.</param>
[GenerateSerializer, Immutable, Alias("orepl.AckRoute")]
public sealed record AckRoute(
    [property: Id(0)] IWriteAcks Target,
    [property: Id(1)] long BatchId,
    [property: Id(2)] long FirstIndex,
    [property: Id(3)] long LastIndex,
    [property: Id(4)] Guid Incarnation);
