namespace Orleans.Replication.Client;

/// <summary>
/// When one operation of the client must end: its timeout, counted from its start on the client's clock.
/// </summary>
internal readonly struct OperationDeadline
{
    private readonly TimeProvider _time;
    private readonly long _started;

    public OperationDeadline(TimeSpan timeout, TimeProvider time)
    {
        Timeout = timeout;
        _time = time;
        _started = time.GetTimestamp();
    }

    /// <summary>The operation's whole timeout.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>What is left of the timeout; zero or less once the deadline has passed.</summary>
    public TimeSpan Remaining => Timeout - _time.GetElapsedTime(_started);

    /// <summary>Whether the deadline has passed.</summary>
    public bool HasPassed => Remaining <= TimeSpan.Zero;

    /// <summary>The shorter of what is left and <paramref name="limit"/>: how long one step may wait.</summary>
    public TimeSpan Bound(TimeSpan limit)
    {
        var remaining = Remaining;
        return remaining < limit ? remaining : limit;
    }
}
