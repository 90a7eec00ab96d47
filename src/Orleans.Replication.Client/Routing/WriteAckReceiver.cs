using System.Collections.Concurrent;

namespace Orleans.Replication.Client;

/// <summary>PROTOTYPE: receives write answers from a replica or the primary for batches submitted one-way.</summary>
internal sealed class WriteAckReceiver : IWriteAcks
{
    private readonly ConcurrentDictionary<long, (TaskCompletionSource<WriteReply[]> Tcs, int Count)> _pending = new();
    private long _next;

    public IWriteAcks? Reference { get; set; }

    public async Task<WriteReply[]> SubmitAsync(IWriteIngress ingress, string group, int nodeIndex, WriteCommand[] commands, TimeSpan wait, TimeProvider time)
    {
        var id = Interlocked.Increment(ref _next);
        var tcs = new TaskCompletionSource<WriteReply[]>();
        _pending[id] = (tcs, commands.Length);
        try
        {
            _ = ingress.SubmitAsync(group, nodeIndex, commands, Reference!, id);
            return await tcs.Task.WaitAsync(wait, time);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    public static long Held, Answered, Won;

    public Task HeldAsync(long batchId, long epoch, long firstIndex, int count)
    {
        if (Interlocked.Increment(ref Held) % 5000 == 0) Console.Error.WriteLine($"DBG held={Held} answered={Answered} heldWon={Won}");
        if (_pending.TryGetValue(batchId, out var p) && p.Count == count)
        {
            var replies = new WriteReply[count];
            for (var i = 0; i < count; i++)
            {
                replies[i] = new WriteReply(WriteStatus.Ok, epoch, firstIndex + i, 0, 1, 1, 2, -1, null);
            }

            if (p.Tcs.TrySetResult(replies)) Interlocked.Increment(ref Won);
        }

        return Task.CompletedTask;
    }

    public Task AnsweredAsync(long batchId, WriteReply[] replies)
    {
        Interlocked.Increment(ref Answered);
        if (_pending.TryGetValue(batchId, out var p))
        {
            p.Tcs.TrySetResult(replies);
        }

        return Task.CompletedTask;
    }
}
