namespace Orleans.Replication;

/// <summary>What a write concern counts.</summary>
public enum WriteConcernKind : byte
{
    /// <summary>A fixed number of replicas (0 = asynchronous replication).</summary>
    Replicas = 0,

    /// <summary>A majority of the group's nodes, the primary included.</summary>
    Majority = 1,

    /// <summary>Every replica of the group.</summary>
    All = 2,
}

/// <summary>How many replicas must hold a write before it is acknowledged.</summary>
/// <remarks>
/// Only <see cref="Majority"/> and <see cref="All"/> writes are guaranteed to survive an automatic failover.
/// A write acknowledged under <c>WaitForReplicas(k)</c> with k below a majority (k = 0 above all) can be lost
/// when the primary fails before a majority holds it. Whatever the concern, readers only ever see writes
/// that a majority holds (the commit index), so a lost write is never observed by a reader.
/// </remarks>
[GenerateSerializer, Immutable, Alias("orepl.WriteConcern")]
public readonly record struct WriteConcern(
    [property: Id(0)] WriteConcernKind Kind,
    [property: Id(1)] int Replicas)
{
    /// <summary>
    /// Acknowledge once a majority of the group's nodes (primary included) hold the write. The default.
    /// </summary>
    public static WriteConcern Majority => new(WriteConcernKind.Majority, 0);

    /// <summary>Acknowledge once every replica holds the write.</summary>
    public static WriteConcern All => new(WriteConcernKind.All, 0);

    /// <summary>Acknowledge once <paramref name="replicas"/> replicas hold the write; 0 acknowledges at once.</summary>
    public static WriteConcern WaitForReplicas(int replicas)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(replicas);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(replicas, ReplicationLimits.MaxNodeCount - 1);
        return new(WriteConcernKind.Replicas, replicas);
    }

    /// <summary>
    /// The number of replicas (the primary not counted) that must confirm in a group of <paramref name="nodeCount"/>
    /// nodes.
    /// </summary>
    public int RequiredReplicas(int nodeCount) => Kind switch
    {
        WriteConcernKind.Majority => nodeCount / 2,
        WriteConcernKind.All => nodeCount - 1,
        _ => Replicas,
    };

    /// <summary>
    /// Throws <see cref="ArgumentOutOfRangeException"/> when the concern cannot be met by a group of
    /// <paramref name="nodeCount"/> nodes.
    /// </summary>
    public void Validate(int nodeCount)
    {
        if (Kind is WriteConcernKind.Replicas && (Replicas < 0 || Replicas > nodeCount - 1))
        {
            throw new ArgumentOutOfRangeException(
                nameof(Replicas),
                Replicas,
                $"WaitForReplicas({Replicas}) cannot be met: the group has {nodeCount} nodes, so at most " +
                $"{nodeCount - 1} replicas."
            );
        }

        if (!Enum.IsDefined(Kind))
        {
            throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "Unknown write concern kind.");
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        WriteConcernKind.Majority => "majority",
        WriteConcernKind.All => "all",
        _ => Replicas.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Parses <c>majority</c>, <c>all</c> or a replica count.</summary>
    public static WriteConcern Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Trim().ToLowerInvariant() switch
        {
            "majority" => Majority,
            "all" => All,
            var s
                when int.TryParse(
                    s,
                    System.Globalization.NumberStyles.None,
                    System.Globalization.CultureInfo.InvariantCulture,
                    out var k
                )
                    && k <= ReplicationLimits.MaxNodeCount - 1 => WaitForReplicas(k),
            _ => throw new FormatException(
                $"'{text}' is not a write concern: use 'majority', 'all' or a replica count " +
                $"0..{ReplicationLimits.MaxNodeCount - 1}."
            ),
        };
    }
}
