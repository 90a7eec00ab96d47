using System.Collections.Concurrent;

namespace Orleans.Replication.Client;

/// <summary>Deadlines for many concurrent calls at the cost of one timer: calls whose deadlines fall in the same slot share one cancellation token.</summary>
/// <remarks>
/// A timer per call, or a wrapper task per call (what <see cref="Task.WaitAsync(TimeSpan)"/> makes), costs more than
/// the call itself at tens of thousands of calls a second on a small machine: the extra continuation is one more
/// thread hop. Orleans cancels a call natively when a <see cref="CancellationToken"/> passed to it fires, so
/// a deadline here is a token shared by every call whose deadline falls in the same slot of
/// <see cref="Resolution"/>, cancelled by one periodic timer. A call is given up at most one resolution late,
/// never early. Thread-safe.
/// </remarks>
internal sealed class DeadlineClock : IDisposable
{
    private readonly ConcurrentDictionary<long, CancellationTokenSource> _slots = new();
    private readonly TimeProvider _time;
    private readonly ITimer _timer;

    public DeadlineClock(TimeProvider time, TimeSpan? resolution = null)
    {
        _time = time;
        Resolution = resolution ?? TimeSpan.FromMilliseconds(20);
        _timer = time.CreateTimer(_ => Tick(), null, Resolution, Resolution);
    }

    /// <summary>How late a deadline may be noticed.</summary>
    public TimeSpan Resolution { get; }

    /// <summary>A token that is cancelled once <paramref name="timeout"/> from now has passed.</summary>
    public CancellationToken After(TimeSpan timeout)
    {
        var due = _time.GetUtcNow().UtcTicks + Math.Max(0, timeout.Ticks);
        var slot = (due + Resolution.Ticks - 1) / Resolution.Ticks;
        return _slots.GetOrAdd(slot, static _ => new CancellationTokenSource()).Token;
    }

    private void Tick()
    {
        var now = _time.GetUtcNow().UtcTicks / Resolution.Ticks;
        foreach (var (slot, source) in _slots)
        {
            if (slot <= now && _slots.TryRemove(slot, out _))
            {
                source.Cancel();
                source.Dispose();
            }
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        foreach (var source in _slots.Values)
        {
            source.Dispose();
        }
    }
}
