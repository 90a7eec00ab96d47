namespace Orleans.Replication.Testing.Bench;

/// <summary>What the load generator runs.</summary>
public sealed record BenchOptions
{
    /// <summary>Concurrent callers. Default 50.</summary>
    public int Clients { get; init; } = 50;

    /// <summary>How long to run; ignored when <see cref="Operations"/> is set. Default 10 s.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long to run the same workload, unmeasured, before measuring. Default 5 s.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Total operations to run, or null to run for <see cref="Duration"/>.</summary>
    public long? Operations { get; init; }

    /// <summary>Distinct keys written and read. Default 10,000.</summary>
    public int Keys { get; init; } = 10_000;

    /// <summary>Bytes per value. Default 100.</summary>
    public int ValueSize { get; init; } = 100;

    /// <summary>Fraction of operations that are writes, 0..1. Default 1 (writes only).</summary>
    public double WriteRatio { get; init; } = 1.0;

    /// <summary>Concern of the writes. Default majority.</summary>
    public WriteConcern Concern { get; init; } = WriteConcern.Majority;

    /// <summary>The least durability the writes ask for; null takes the group's.</summary>
    public Durability? Durability { get; init; }

    /// <summary>Consistency of the reads. Default strong.</summary>
    public ReadConsistency Consistency { get; init; } = ReadConsistency.Strong;

    /// <summary>The group written to. Default "bench".</summary>
    public string Group { get; init; } = "bench";

    /// <summary>Run against a plain, non-replicated grain instead: the baseline.</summary>
    public bool Raw { get; init; }

    /// <summary>Seed of the key choice, for repeatable runs.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (Clients is < 1 or > 10_000)
        {
            throw new ArgumentException($"clients must be between 1 and 10000; it is {Clients}.", nameof(Clients));
        }

        if (Operations is null && Duration <= TimeSpan.Zero)
        {
            throw new ArgumentException($"duration must be positive; it is {Duration}.", nameof(Duration));
        }

        if (Warmup < TimeSpan.Zero)
        {
            throw new ArgumentException($"warmup must not be negative; it is {Warmup}.", nameof(Warmup));
        }

        if (Operations is <= 0)
        {
            throw new ArgumentException($"ops must be positive; it is {Operations}.", nameof(Operations));
        }

        if (Keys < 1)
        {
            throw new ArgumentException($"keys must be at least 1; it is {Keys}.", nameof(Keys));
        }

        if (ValueSize is < 0 or > ReplicationLimits.DefaultMaxValueBytes)
        {
            throw new ArgumentException(
                $"value-size must be between 0 and {ReplicationLimits.DefaultMaxValueBytes}; it is {ValueSize}.",
                nameof(ValueSize)
            );
        }

        if (double.IsNaN(WriteRatio) || WriteRatio is < 0 or > 1)
        {
            throw new ArgumentException(
                $"write-ratio must be between 0 and 1; it is {WriteRatio}.",
                nameof(WriteRatio)
            );
        }

        GroupNames.Validate(Group, nameof(Group));
    }
}
