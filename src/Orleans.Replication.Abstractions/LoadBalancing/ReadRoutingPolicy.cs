using System.Globalization;

namespace Orleans.Replication.LoadBalancing;

/// <summary>How a group spreads reads over its nodes, and which nodes are fit to serve them.</summary>
/// <param name="Strategy">The strategy that picks a node among those in rotation; a read can override it.</param>
/// <param name="MaxReadLag">A replica whose lag in time is above this leaves the rotation.</param>
/// <param name="MaxReadLagEntries">A replica more entries behind than this leaves the rotation.</param>
/// <param name="MaxInFlightPerNode">A node with this many reads in flight (from every client) leaves the rotation until
/// it drains.</param>
[GenerateSerializer, Immutable, Alias("orepl.ReadRoutingPolicy")]
public sealed record ReadRoutingPolicy(
    [property: Id(0)] LoadBalancingStrategy Strategy,
    [property: Id(1)] TimeSpan MaxReadLag,
    [property: Id(2)] long MaxReadLagEntries,
    [property: Id(3)] int MaxInFlightPerNode)
{
    /// <summary>Default of <see cref="MaxReadLag"/>: 5 s.</summary>
    public static readonly TimeSpan DefaultMaxReadLag = TimeSpan.FromSeconds(5);

    /// <summary>Default of <see cref="MaxInFlightPerNode"/>.</summary>
    public const int DefaultMaxInFlightPerNode = 10_000;

    /// <summary>Least connections, 5 s and no entry bound on lag, 10,000 reads in flight per node.</summary>
    public static ReadRoutingPolicy Default { get; } =
        new(LoadBalancingStrategy.LeastConnections, DefaultMaxReadLag, long.MaxValue, DefaultMaxInFlightPerNode);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Strategy))
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"{(int)Strategy} is not a load-balancing strategy."),
                nameof(Strategy)
            );
        }

        if (MaxReadLag <= TimeSpan.Zero)
        {
            throw new ArgumentException(
                $"{nameof(MaxReadLag)} must be positive; it is {MaxReadLag}.",
                nameof(MaxReadLag)
            );
        }

        if (MaxReadLagEntries < 0)
        {
            throw new ArgumentException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{nameof(MaxReadLagEntries)} must not be negative; it is {MaxReadLagEntries}."
                ),
                nameof(MaxReadLagEntries)
            );
        }

        if (MaxInFlightPerNode < 1)
        {
            throw new ArgumentException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{nameof(MaxInFlightPerNode)} must be at least 1; it is {MaxInFlightPerNode}."
                ),
                nameof(MaxInFlightPerNode)
            );
        }
    }
}
