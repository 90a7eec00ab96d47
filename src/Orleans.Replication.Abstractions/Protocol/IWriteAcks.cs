using Orleans.Concurrency;

namespace Orleans.Replication.Protocol;

/// <summary>A client's receiver of the answers to write batches it submitted (see <see cref="IWriteIngress.SubmitAsync"/>).</summary>
/// <remarks>
/// A batch whose writes each need one replica is answered by the replica that holds it (<see cref="HeldAsync"/>),
/// one crossing between processes sooner than the primary could; every other batch, and any the replica could not
/// answer, by the primary (<see cref="AnsweredAsync"/>). A batch may be answered twice; both answers say the same,
/// and the first one counts.
/// </remarks>
[Alias("orepl.IWriteAcks")]
public interface IWriteAcks : IGrainObserver
{
    /// <summary>A replica holds the batch's writes, which the primary appended as entries <paramref name="firstIndex"/> onward in order, in <paramref name="epoch"/>: each is acknowledged.</summary>
    [OneWay, Alias("Held")]
    Task HeldAsync(long batchId, long epoch, long firstIndex, int count, int replicas);

    /// <summary>The primary's answers to the batch's writes, in order.</summary>
    [OneWay, Alias("Answered")]
    Task AnsweredAsync(long batchId, WriteReply[] replies);
}
