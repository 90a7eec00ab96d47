namespace Orleans.Replication.Testing.Checking;

/// <summary>
/// The limits of <see cref="CheckOptions"/> for one check: a deadline shared by all keys and a per-key state cap.
/// </summary>
internal sealed class SearchBudget
{
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly TimeSpan? _maxDuration;

    /// <summary>Starts the clock.</summary>
    public SearchBudget(CheckOptions options)
    {
        _time = options.TimeProvider ?? TimeProvider.System;
        _started = _time.GetTimestamp();
        _maxDuration = options.MaxDuration;
        MaxStates = options.MaxStates ?? long.MaxValue;
    }

    /// <summary>The most distinct states one key's search may remember.</summary>
    public long MaxStates { get; }

    /// <summary>True once the check has run as long as allowed.</summary>
    public bool IsOverTime => _maxDuration is { } limit && _time.GetElapsedTime(_started) >= limit;
}
