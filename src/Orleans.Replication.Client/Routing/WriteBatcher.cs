using Orleans.Replication.Protocol;

namespace Orleans.Replication.Client;

/// <summary>
/// Sends the writes of concurrent callers to the primary together: one grain call carries many writes.
/// </summary>
/// <remarks>
/// A write joins the queue; while fewer than <see cref="MaxInFlight"/> calls are out, a call takes up to
/// <see cref="MaxBatch"/> queued writes bound for the same node. Writes that arrive while calls are out wait for
/// the next one, so batches grow with load and a lone write leaves at once. Each write keeps its own command,
/// deadline and answer; a call that fails fails each of its writes, which the caller's retry loop handles one
/// by one. Answers are handed to callers on the thread that received them, as Orleans hands out grain-call
/// responses: a thread hop per write costs more than the write on a small machine. The answered callers run before
/// the next call leaves, so the writes they issue next go out in it: a writer waits one round trip per write, not
/// one and a half. A caller that blocks holds up only its call's slot; if writes then wait with no call answered
/// for a while, <see cref="SendPastBlockedCallers"/> sends them on an extra call. A write whose timeout ran out while
/// it waited for a call is not sent: it fails with <see cref="WriteNotSentException"/>; one that waited longer than
/// <see cref="Restamp"/> leaves with what is left of its timeout. Thread-safe.
/// </remarks>
internal sealed class WriteBatcher(Func<int, IReplicaNodeGrain> node, TimeProvider time)
{
    private static readonly TimeSpan CallGrace = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A write that waited this long for a call leaves with its timeout cut to what is left; one sent sooner keeps its
    /// command (no copy per write), and the primary then waits at most this much past the caller's deadline, no more
    /// than the call's own grace (<see cref="CallGrace"/>) lets the caller wait for its answer.
    /// </summary>
    internal static readonly TimeSpan Restamp = CallGrace;

    /// <summary>
    /// Longest wait for one call whose writes are due later than this: a call stuck on a crashed primary is given up
    /// and retried.
    /// </summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.MaxValue;
    private readonly Lock _lock = new();
    private readonly Queue<Queued> _queue = new();
    private int _inFlight;

    /// <summary>Loops handing answers to their callers right now (each still holds its slot).</summary>
    private int _completing;

    /// <summary>
    /// Hand-overs of answers finished so far, and the count <see cref="SendPastBlockedCallers"/> saw last.
    /// </summary>
    private long _completed;
    private long _completedAtLastCheck = -1;
    private int _callsOut;
    private long _lastProgressTicks;
    private TaskCompletionSource _abandon = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>How long calls have been out with none of them answering; zero when no call is out.</summary>
    public TimeSpan StalledFor()
    {
        lock (_lock)
        {
            return _callsOut == 0
                ? TimeSpan.Zero
                : TimeSpan.FromTicks(Math.Max(0, time.GetUtcNow().UtcTicks - _lastProgressTicks));
        }
    }

    /// <summary>
    /// Gives up every call now out: their writes fail with a <see cref="TimeoutException"/> and their callers resend
    /// them, with the same ids, to the primary of the newer route. Called when the route moves to a newer epoch, so
    /// that writes stuck on a crashed primary do not wait for their attempt timeout.
    /// </summary>
    public void AbandonCallsOut()
    {
        TaskCompletionSource abandon;
        lock (_lock)
        {
            if (_callsOut == 0)
            {
                return;
            }

            abandon = _abandon;
            _abandon = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        abandon.TrySetResult();
    }

    /// <summary>The group's name, for calls through a write ingress.</summary>
    public string Group { get; init; } = "";

    /// <summary>
    /// The write ingress to send node i's writes through (see <see cref="IWriteIngress"/>), or null to call the node
    /// grain.
    /// </summary>
    public Func<int, IWriteIngress?>? Ingress { get; init; }

    /// <summary>Told when a call through an ingress failed, so that later calls go to the node grain.</summary>
    public Action<IWriteIngress>? IngressFailed { get; init; }

    /// <summary>
    /// The receiver to submit batches through an ingress with (see
    /// <see cref="ReplicationClientOptions.ReplicaAnswers"/>), or null to call.
    /// </summary>
    public Func<WriteAckReceiver?>? Receiver { get; init; }

    /// <summary>Most writes in one call.</summary>
    public int MaxBatch { get; init; } = 256;

    /// <summary>Most calls out at once.</summary>
    /// <remarks>
    /// Two: while one call is out, the writes that arrive meanwhile gather for the next, so under load each call
    /// carries many writes and the cluster handles a few large messages rather than many small ones (measured: at
    /// 50 writers, 1–2 calls out beat 4 by up to a third); at low concurrency a second writer does not wait for the
    /// first one's round trip.
    /// </remarks>
    public int MaxInFlight { get; init; } = 2;

    /// <summary>
    /// Sends <paramref name="command"/> to node <paramref name="nodeIndex"/>; the task ends with its answer or the
    /// call's error.
    /// </summary>
    public Task<WriteReply> SendAsync(int nodeIndex, WriteCommand command)
    {
        var queued = new Queued(nodeIndex, command, time.GetUtcNow().UtcTicks);
        bool start;
        lock (_lock)
        {
            _queue.Enqueue(queued);
            start = _inFlight < MaxInFlight;
            if (start)
            {
                _inFlight++;
            }
        }

        if (start)
        {
            _ = RunAsync();
        }

        return queued.Reply.Task;
    }

    private async Task RunAsync()
    {
        // Another loop may have taken the write that started this one.
        var batch = Next(handedOver: false);
        if (batch is null)
        {
            return;
        }

        var call = SendBatchAsync(batch);
        while (true)
        {
            WriteReply[]? replies = null;
            Exception? error = null;
            try
            {
                replies = await call;
            }
            catch (Exception e)
            {
                error = e;
            }

            // This call's callers run first, on this thread, still occupying the slot: the writes they issue next
            // queue up and leave with the next call, together with those that arrived during the round trip.
            lock (_lock)
            {
                _completing++;
            }

            Complete(batch, replies, error);
            var next = Next(handedOver: true);
            if (next is null)
            {
                return;
            }

            batch = next;
            call = SendBatchAsync(next);
        }
    }

    /// <summary>The next batch; or null, with one call fewer in flight, when nothing waits.</summary>
    /// <param name="handedOver">Whether the loop has just handed a call's answers to its callers.</param>
    private Queued[]? Next(bool handedOver)
    {
        List<Queued>? expired = null;
        Queued[]? batch;
        lock (_lock)
        {
            if (handedOver)
            {
                _completing--;
                _completed++;
            }

            while (true)
            {
                // A loop started by SendPastBlockedCallers ends once the blocked ones are back and there are too many.
                if (_queue.Count == 0 || _inFlight - _completing > MaxInFlight)
                {
                    _inFlight--;
                    batch = null;
                    break;
                }

                batch = TakeBatch(ref expired);
                if (batch.Length > 0)
                {
                    break;
                }
            }
        }

        // Outside the lock: their callers' continuations run here.
        foreach (var q in expired ?? [])
        {
            q.Reply.TrySetException(
                new WriteNotSentException(
                    $"The write's {q.Command.Timeout.TotalMilliseconds:0} ms ran out while it waited to be sent to " +
                    $"node {q.NodeIndex}; it was not sent."
                )
            );
        }

        return batch;
    }

    /// <summary>
    /// Called periodically: when writes wait while a caller that was handed its answer holds its call's slot, and no
    /// answer was handed over since the last check (a caller blocked synchronously, say on another write of this
    /// store), sends the waiting writes on an extra call rather than leaving them stuck.
    /// </summary>
    public void SendPastBlockedCallers()
    {
        lock (_lock)
        {
            var stuck =
                _completing > 0
                && _queue.Count > 0
                && _completed == _completedAtLastCheck
                && _inFlight - _completing < MaxInFlight;
            _completedAtLastCheck = _completed;
            if (!stuck)
            {
                return;
            }

            _inFlight++;
        }

        _ = RunAsync();
    }

    private Task<WriteReply[]> SendBatchAsync(Queued[] batch)
    {
        var commands = new WriteCommand[batch.Length];
        var wait = TimeSpan.Zero;
        for (var i = 0; i < batch.Length; i++)
        {
            commands[i] = batch[i].Command;
            wait = commands[i].Timeout > wait ? commands[i].Timeout : wait;
        }

        // A write due within one attempt waits for the primary's own answer (it answers at the deadline with what it
        // knows); a longer one is given up after an attempt and resent with the same id, which finds a new primary
        // if the old one crashed, or rejoins the same wait if it is alive.
        wait = wait <= AttemptTimeout ? wait + CallGrace : AttemptTimeout;
        Task abandon;
        lock (_lock)
        {
            if (_callsOut++ == 0)
            {
                _lastProgressTicks = time.GetUtcNow().UtcTicks;
            }

            abandon = _abandon.Task;
        }

        try
        {
            var nodeIndex = batch[0].NodeIndex;
            var call = Ingress?.Invoke(nodeIndex) is { } ingress
                ? ThroughIngressAsync(ingress, nodeIndex, commands, wait)
                : commands.Length == 1
                    ? SendOneAsync(node(nodeIndex), commands[0], wait)
                    : node(nodeIndex).WriteBatchAsync(commands).WaitAsync(wait, time);
            return TrackAsync(call, abandon);
        }
        catch (Exception e)
        {
            // A call that throws before it returns a task fails its writes like any failed call.
            CallEnded();
            return Task.FromException<WriteReply[]>(e);
        }
    }

    private async Task<WriteReply[]> TrackAsync(Task<WriteReply[]> call, Task abandon)
    {
        try
        {
            if (!call.IsCompleted && await Task.WhenAny(call, abandon) != call)
            {
                call.Ignore();
                throw new TimeoutException(
                    "The group moved to a newer epoch while the call was out; the write is resent to the new primary."
                );
            }

            return await call;
        }
        finally
        {
            CallEnded();
        }
    }

    private void CallEnded()
    {
        lock (_lock)
        {
            _callsOut--;
            _lastProgressTicks = time.GetUtcNow().UtcTicks;
        }
    }

    private async Task<WriteReply[]> ThroughIngressAsync(
        IWriteIngress ingress,
        int nodeIndex,
        WriteCommand[] commands,
        TimeSpan wait
    )
    {
        try
        {
            return Receiver?.Invoke() is { } receiver
                ? await receiver.SubmitAsync(ingress, Group, nodeIndex, commands, wait, time)
                : await ingress.WriteBatchAsync(Group, nodeIndex, commands).WaitAsync(wait, time);
        }
        catch
        {
            // Whatever went wrong, the retry and the calls after it go the ordinary way.
            IngressFailed?.Invoke(ingress);
            throw;
        }
    }

    private async Task<WriteReply[]> SendOneAsync(IReplicaNodeGrain target, WriteCommand command, TimeSpan wait) =>
        [await target.WriteAsync(command).WaitAsync(wait, time)];

    /// <summary>Hands each caller its answer, on this thread, as Orleans hands out grain-call responses.</summary>
    private static void Complete(Queued[] batch, WriteReply[]? replies, Exception? error)
    {
        for (var i = 0; i < batch.Length; i++)
        {
            if (replies is not null && i < replies.Length)
            {
                batch[i].Reply.TrySetResult(replies[i]);
            }
            else
            {
                batch[i]
                    .Reply.TrySetException(
                        error ?? new ReplicationException("The primary answered fewer writes than it was sent.")
                    );
            }
        }
    }

    /// <summary>
    /// Takes the head of the queue and the writes behind it bound for the same node (called under the lock); those
    /// whose timeout ran out go to <paramref name="expired"/> instead, so the batch may be empty.
    /// </summary>
    private Queued[] TakeBatch(ref List<Queued>? expired)
    {
        var nodeIndex = _queue.Peek().NodeIndex;
        var count = 0;
        foreach (var q in _queue)
        {
            if (q.NodeIndex != nodeIndex || count == MaxBatch)
            {
                break;
            }

            count++;
        }

        var now = time.GetUtcNow().UtcTicks;
        var batch = new Queued[count];
        var taken = 0;
        for (var i = 0; i < count; i++)
        {
            var q = _queue.Dequeue();
            var waited = TimeSpan.FromTicks(now - q.QueuedTicks);
            if (waited >= q.Command.Timeout)
            {
                (expired ??= []).Add(q);
                continue;
            }

            if (waited >= Restamp)
            {
                q.Command = q.Command with { Timeout = q.Command.Timeout - waited };
            }

            batch[taken++] = q;
        }

        if (taken < count)
        {
            Array.Resize(ref batch, taken);
        }

        return batch;
    }

    private sealed class Queued(int nodeIndex, WriteCommand command, long queuedTicks)
    {
        public int NodeIndex { get; } = nodeIndex;

        /// <summary>
        /// The command as it leaves: its timeout is cut by the time it waited here (see <see cref="Restamp"/>).
        /// </summary>
        public WriteCommand Command { get; set; } = command;

        /// <summary>When it was queued, on the batcher's clock.</summary>
        public long QueuedTicks { get; } = queuedTicks;

        public TaskCompletionSource<WriteReply> Reply { get; } = new();
    }
}
