using System.Collections.Concurrent;
using Orleans.Replication.Protocol;

namespace Orleans.Replication.Client;

/// <summary>This client's <see cref="IWriteAcks"/>: matches the answers of a replica or the primary to the batches
/// submitted one-way.</summary>
/// <remarks>Thread-safe. Answers to batches no longer waited for (answered already, or given up) are ignored.</remarks>
internal sealed class WriteAckReceiver : IWriteAcks
{
    private readonly ConcurrentDictionary<long, Pending> _pending = new();
    private long _lastBatchId;

    /// <summary>
    /// The reference replicas and primaries answer through; set once the receiver is registered with the client.
    /// </summary>
    public IWriteAcks? Reference { get; set; }

    /// <summary>Batches waiting for an answer; internal for tests.</summary>
    internal int Waiting => _pending.Count;

    /// <summary>Batches answered by a replica first, and by the primary first; internal for tests.</summary>
    internal long AnsweredByReplica => Interlocked.Read(ref _answeredByReplica);

    internal long AnsweredByPrimary => Interlocked.Read(ref _answeredByPrimary);

    private long _answeredByReplica;
    private long _answeredByPrimary;

    /// <summary>
    /// Submits <paramref name="commands"/> through <paramref name="ingress"/> and waits up to <paramref name="wait"/>
    /// for their answers.
    /// </summary>
    public async Task<WriteReply[]> SubmitAsync(
        IWriteIngress ingress,
        string group,
        int nodeIndex,
        WriteCommand[] commands,
        TimeSpan wait,
        TimeProvider time
    )
    {
        var reference = Reference ?? throw new InvalidOperationException("The receiver is not registered.");
        var batchId = Interlocked.Increment(ref _lastBatchId);
        var pending = new Pending(commands.Length);
        _pending[batchId] = pending;
        try
        {
            await ingress.SubmitAsync(group, nodeIndex, commands, reference, batchId);
            return await pending.Task.WaitAsync(wait, time);
        }
        finally
        {
            _pending.TryRemove(batchId, out _);
        }
    }

    public Task HeldAsync(long batchId, long epoch, long firstIndex, int count, int replicas)
    {
        if (
            _pending.TryGetValue(batchId, out var pending)
            && pending.Count == count
            && firstIndex > 0
            && pending.TryClaim()
        )
        {
            var replies = new WriteReply[count];
            for (var i = 0; i < count; i++)
            {
                replies[i] = new WriteReply(WriteStatus.Ok, epoch, firstIndex + i, 0, 1, 1, replicas, -1, null);
            }

            Interlocked.Increment(ref _answeredByReplica);
            pending.SetResult(replies);
        }

        return Task.CompletedTask;
    }

    public Task AnsweredAsync(long batchId, WriteReply[] replies)
    {
        if (
            replies is not null
            && _pending.TryGetValue(batchId, out var pending)
            && pending.Count == replies.Length
            && pending.TryClaim()
        )
        {
            Interlocked.Increment(ref _answeredByPrimary);
            pending.SetResult(replies);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// A batch waiting for its answer. Callers run on the thread that delivers it, as with a grain call's response.
    /// </summary>
    private sealed class Pending(int count) : TaskCompletionSource<WriteReply[]>
    {
        private int _claimed;

        public int Count { get; } = count;

        /// <summary>True for the first answer only: it is counted before the callers run.</summary>
        public bool TryClaim() => Interlocked.Exchange(ref _claimed, 1) == 0;
    }
}
