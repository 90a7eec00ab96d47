namespace Orleans.Replication.Client;

/// <summary>
/// Writes waiting for a group to have a primary again: bounded, first in first out, each with its deadline.
/// </summary>
/// <remarks>
/// <see cref="WaitAsync"/> refuses at once with <see cref="QueueFullException"/> when <see cref="Capacity"/> writes
/// already wait. <see cref="Release"/> lets every waiting write go, in the order they came: it runs each waiter's
/// release action (which hands the write to the sender) one after the other on its own thread, so the order does
/// not depend on how the callers' continuations are scheduled. A waiter whose deadline passes or whose caller
/// cancels leaves the queue and is told so; it was never sent from here. Thread-safe.
/// </remarks>
internal sealed class PrimaryWaitQueue(string group, int capacity, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<Waiter> _waiters = new();

    /// <summary>
    /// A copy of the list's count, written under the lock, so that every write can look without taking it.
    /// </summary>
    private int _count;

    /// <summary>Most writes that may wait at once.</summary>
    public int Capacity { get; } = capacity;

    /// <summary>Writes waiting now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Waits until <see cref="Release"/> (true) or until <paramref name="timeout"/> passes (false).</summary>
    /// <param name="timeout">How long the write may wait.</param>
    /// <param name="onRelease">Run by <see cref="Release"/>, in queue order, before the wait ends; must not
    /// block.</param>
    /// <param name="ct">Cancels the wait.</param>
    /// <exception cref="QueueFullException">The queue is full; the write was not queued.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled; the write left the
    /// queue.</exception>
    public Task<bool> WaitAsync(TimeSpan timeout, Action? onRelease, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (timeout <= TimeSpan.Zero)
        {
            return Task.FromResult(false);
        }

        var waiter = new Waiter(
            new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously),
            onRelease
        );
        lock (_lock)
        {
            if (_waiters.Count >= Capacity)
            {
                throw new QueueFullException(
                    group,
                    Capacity,
                    $"Group '{group}' has no primary and {Capacity} writes already wait for one; the write was not " +
                    "queued and nothing was written."
                );
            }

            waiter.Node = _waiters.AddLast(waiter);
            Volatile.Write(ref _count, _waiters.Count);
        }

        waiter.Timer = time.CreateTimer(static s =>
        {
            var (q, w) = ((PrimaryWaitQueue, Waiter))s!;
            q.Leave(w);
        }, (this, waiter), timeout, Timeout.InfiniteTimeSpan);
        if (ct.CanBeCanceled)
        {
            waiter.Cancellation = ct.Register(static s =>
            {
                var (q, w, token) = ((PrimaryWaitQueue, Waiter, CancellationToken))s!;
                if (q.Remove(w))
                {
                    w.Done.TrySetCanceled(token);
                }
            }, (this, waiter, ct));
        }

        return waiter.Done.Task;
    }

    /// <summary>Lets every waiting write go, oldest first.</summary>
    public void Release()
    {
        List<Waiter> released;
        lock (_lock)
        {
            if (_waiters.Count == 0)
            {
                return;
            }

            released = [.. _waiters];
            _waiters.Clear();
            Volatile.Write(ref _count, 0);
        }

        foreach (var w in released)
        {
            w.Dispose();
            try
            {
                w.OnRelease?.Invoke();
            }
            catch (Exception e)
            {
                w.Done.TrySetException(e);
                continue;
            }

            w.Done.TrySetResult(true);
        }
    }

    /// <summary>The deadline passed: the waiter leaves, told it was not released.</summary>
    private void Leave(Waiter waiter)
    {
        if (Remove(waiter))
        {
            waiter.Done.TrySetResult(false);
        }
    }

    private bool Remove(Waiter waiter)
    {
        lock (_lock)
        {
            if (waiter.Node?.List is null)
            {
                return false;
            }

            _waiters.Remove(waiter.Node);
            Volatile.Write(ref _count, _waiters.Count);
        }

        waiter.Dispose();
        return true;
    }

    private sealed class Waiter(TaskCompletionSource<bool> done, Action? onRelease)
    {
        public TaskCompletionSource<bool> Done { get; } = done;

        public Action? OnRelease { get; } = onRelease;

        public LinkedListNode<Waiter>? Node { get; set; }

        public ITimer? Timer { get; set; }

        public CancellationTokenRegistration Cancellation { get; set; }

        public void Dispose()
        {
            Timer?.Dispose();
            Cancellation.Dispose();
        }
    }
}
