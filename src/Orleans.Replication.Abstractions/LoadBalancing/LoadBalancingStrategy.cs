using System.Globalization;

namespace Orleans.Replication.LoadBalancing;

/// <summary>
/// How a load balancer picks one of several healthy candidates (replica nodes for reads, responders for tasks).
/// </summary>
public enum LoadBalancingStrategy : byte
{
    /// <summary>Each candidate in turn.</summary>
    RoundRobin = 0,

    /// <summary>The candidate with the fewest requests in flight.</summary>
    LeastConnections = 1,

    /// <summary>The candidate with the lowest expected wait: its average response time times (in-flight + 1).</summary>
    WeightedResponseTime = 2,

    /// <summary>
    /// The freshest candidate (least replication lag); ties go to the one with the fewest requests in flight.
    /// </summary>
    LagAware = 3,

    /// <summary>Two candidates at random; the one with fewer requests in flight (then the faster) wins.</summary>
    PowerOfTwoChoices = 4,
}

/// <summary>Parsing and printing of <see cref="LoadBalancingStrategy"/> names.</summary>
public static class LoadBalancingStrategies
{
    /// <summary>Every strategy, in declaration order.</summary>
    public static IReadOnlyList<LoadBalancingStrategy> All { get; } = Enum.GetValues<LoadBalancingStrategy>();

    /// <summary>Parses a strategy name, case-insensitively, with or without dashes (<c>round-robin</c>,
    /// <c>RoundRobin</c>, <c>p2c</c>).</summary>
    /// <exception cref="ArgumentException">The name is not a strategy.</exception>
    public static LoadBalancingStrategy Parse(string? text)
    {
        var normalized = (text ?? string.Empty)
            .Replace("-", string.Empty, StringComparison.Ordinal)
            .Replace("_", string.Empty, StringComparison.Ordinal)
            .Trim();
        if (normalized.Equals("p2c", StringComparison.OrdinalIgnoreCase))
        {
            return LoadBalancingStrategy.PowerOfTwoChoices;
        }

        foreach (var s in All)
        {
            if (s.ToString().Equals(normalized, StringComparison.OrdinalIgnoreCase))
            {
                return s;
            }
        }

        throw new ArgumentException(
            string.Create(
                CultureInfo.InvariantCulture,
                $"'{text}' is not a load-balancing strategy; use one of: {string.Join(", ", All)}."
            ),
            nameof(text)
        );
    }
}
