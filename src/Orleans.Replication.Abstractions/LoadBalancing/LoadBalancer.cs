namespace Orleans.Replication.LoadBalancing;

/// <summary>
/// Picks one candidate among healthy ones with a <see cref="LoadBalancingStrategy"/>. One implementation serves reads
/// (replica nodes) and work distribution (responders). Health filtering is the caller's: every candidate passed in is
/// eligible. Thread-safe; the random source and the rotation are injected so that choices can be replayed in tests.
/// </summary>
public sealed class LoadBalancer
{
    private readonly Random _random;
    private readonly object _randomLock = new();
    private long _next;

    /// <summary>Creates a balancer.</summary>
    /// <param name="strategy">The default strategy of <see cref="Select(ReadOnlySpan{LoadCandidate})"/>.</param>
    /// <param name="random">The random source of <see cref="LoadBalancingStrategy.PowerOfTwoChoices"/>; a fresh one
    /// when null.</param>
    public LoadBalancer(LoadBalancingStrategy strategy, Random? random = null)
    {
        if (!Enum.IsDefined(strategy))
        {
            throw new ArgumentOutOfRangeException(nameof(strategy), strategy, "Unknown load-balancing strategy.");
        }

        Strategy = strategy;
        _random = random ?? new Random();
    }

    /// <summary>The default strategy.</summary>
    public LoadBalancingStrategy Strategy { get; }

    /// <summary>Picks with the default strategy.</summary>
    /// <returns>The position in <paramref name="candidates"/> of the chosen one, or -1 when there is none.</returns>
    public int Select(ReadOnlySpan<LoadCandidate> candidates) => Select(candidates, Strategy);

    /// <summary>Picks with <paramref name="strategy"/> (a per-call override).</summary>
    /// <returns>The position in <paramref name="candidates"/> of the chosen one, or -1 when there is none.</returns>
    public int Select(ReadOnlySpan<LoadCandidate> candidates, LoadBalancingStrategy strategy)
    {
        if (candidates.Length <= 1)
        {
            return candidates.Length - 1;
        }

        // The rotation breaks ties fairly in every strategy, so equal candidates share the load instead of the first
        // taking all.
        var start = (int)((ulong)Interlocked.Increment(ref _next) % (ulong)candidates.Length);
        return strategy switch
        {
            LoadBalancingStrategy.RoundRobin => start,
            LoadBalancingStrategy.LeastConnections => Best(candidates, start, static (a, b) =>
                a.InFlight.CompareTo(b.InFlight)
            ),
            LoadBalancingStrategy.WeightedResponseTime => Best(candidates, start, static (a, b) =>
                ExpectedWait(a).CompareTo(ExpectedWait(b))
            ),
            LoadBalancingStrategy.LagAware => Best(candidates, start, static (a, b) =>
            {
                var byEntries = a.LagEntries.CompareTo(b.LagEntries);
                if (byEntries != 0)
                {
                    return byEntries;
                }

                var byTime = a.LagMs.CompareTo(b.LagMs);
                return byTime != 0 ? byTime : a.InFlight.CompareTo(b.InFlight);
            }),
            LoadBalancingStrategy.PowerOfTwoChoices => TwoChoices(candidates),
            _ => throw new ArgumentOutOfRangeException(nameof(strategy), strategy, "Unknown load-balancing strategy."),
        };
    }

    private static double ExpectedWait(LoadCandidate c) => c.AverageResponseMs * (c.InFlight + 1);

    private static int Best(
        ReadOnlySpan<LoadCandidate> candidates,
        int start,
        Func<LoadCandidate, LoadCandidate, int> compare
    )
    {
        var best = start;
        for (var step = 1; step < candidates.Length; step++)
        {
            var i = (start + step) % candidates.Length;
            if (compare(candidates[i], candidates[best]) < 0)
            {
                best = i;
            }
        }

        return best;
    }

    private int TwoChoices(ReadOnlySpan<LoadCandidate> candidates)
    {
        int a, b;
        lock (_randomLock)
        {
            a = _random.Next(candidates.Length);
            b = _random.Next(candidates.Length - 1);
        }

        if (b >= a)
        {
            b++;
        }

        var byLoad = candidates[a].InFlight.CompareTo(candidates[b].InFlight);
        if (byLoad != 0)
        {
            return byLoad < 0 ? a : b;
        }

        return candidates[b].AverageResponseMs < candidates[a].AverageResponseMs ? b : a;
    }
}
