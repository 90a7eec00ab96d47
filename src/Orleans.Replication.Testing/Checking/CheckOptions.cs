namespace Orleans.Replication.Testing.Checking;

/// <summary>Budget of a linearizability check.</summary>
/// <remarks>
/// Checking linearizability is NP-complete in general; the search is fast on histories of real systems but can
/// explode on adversarial ones. When a budget runs out the affected keys, and the result, are
/// <see cref="CheckVerdict.Unknown"/>: never reported valid.
/// </remarks>
public sealed record CheckOptions
{
    /// <summary>
    /// The default of <see cref="MaxStates"/>: 2,000,000, a few hundred megabytes for keys of a few thousand
    /// operations.
    /// </summary>
    public const long DefaultMaxStates = 2_000_000;

    /// <summary>The options used when none are given: <see cref="DefaultMaxStates"/> and no time limit.</summary>
    public static CheckOptions Default { get; } = new();

    /// <summary>Wall-clock limit of the whole check, across all keys; null (the default) for none.</summary>
    public TimeSpan? MaxDuration { get; init; }

    /// <summary>
    /// Limit on the distinct search states (set of operations placed, register value) remembered for one key; bounds
    /// memory as well as time. Valid histories typically need about one state per operation; proving a violation can
    /// take far more. Default <see cref="DefaultMaxStates"/>; null for none.
    /// </summary>
    public long? MaxStates { get; init; } = DefaultMaxStates;

    /// <summary>The clock of <see cref="MaxDuration"/>; the system clock when null.</summary>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (MaxDuration is { } duration)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero, nameof(MaxDuration));
        }

        if (MaxStates is { } states)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(states, 1, nameof(MaxStates));
        }
    }
}
