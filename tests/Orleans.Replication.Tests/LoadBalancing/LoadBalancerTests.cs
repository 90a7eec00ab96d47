using Orleans.Replication.LoadBalancing;

namespace Orleans.Replication.Tests.LoadBalancing;

public sealed class LoadBalancerTests
{
    private static LoadCandidate C(int id, int inFlight = 0, double ms = 0, long lag = 0, double lagMs = 0) =>
        new(id, inFlight, ms, lag, lagMs);

    [Fact]
    public void NoCandidateGivesMinusOneAndOneCandidateIsChosen()
    {
        foreach (var s in LoadBalancingStrategies.All)
        {
            var lb = new LoadBalancer(s, new Random(1));
            Assert.Equal(-1, lb.Select([]));
            Assert.Equal(0, lb.Select([C(7)]));
        }
    }

    [Fact]
    public void RoundRobinVisitsEachCandidateInTurn()
    {
        var lb = new LoadBalancer(LoadBalancingStrategy.RoundRobin);
        LoadCandidate[] c = [C(0), C(1), C(2)];
        var picks = Enumerable.Range(0, 9).Select(_ => lb.Select(c)).ToArray();
        Assert.Equal([1, 2, 0, 1, 2, 0, 1, 2, 0], picks);
    }

    [Fact]
    public void LeastConnectionsPicksTheFewestInFlight()
    {
        var lb = new LoadBalancer(LoadBalancingStrategy.LeastConnections);
        LoadCandidate[] c = [C(0, inFlight: 5), C(1, inFlight: 2), C(2, inFlight: 9)];
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(1, lb.Select(c));
        }
    }

    [Fact]
    public void LeastConnectionsSharesTiesInsteadOfAlwaysTakingTheFirst()
    {
        var lb = new LoadBalancer(LoadBalancingStrategy.LeastConnections);
        LoadCandidate[] c = [C(0, inFlight: 1), C(1, inFlight: 1), C(2, inFlight: 4)];
        var picks = Enumerable.Range(0, 10).Select(_ => lb.Select(c)).ToHashSet();
        Assert.Equal([0, 1], picks.Order());
    }

    [Fact]
    public void WeightedResponseTimeWeighsSpeedByQueueLength()
    {
        var lb = new LoadBalancer(LoadBalancingStrategy.WeightedResponseTime);

        // Fastest with an empty queue wins.
        Assert.Equal(1, lb.Select([C(0, 0, ms: 4), C(1, 0, ms: 1), C(2, 0, ms: 3)]));

        // The fastest, 1 ms with 9 in flight (expected 10 ms), loses to 3 ms with one in flight (expected 6 ms).
        Assert.Equal(2, lb.Select([C(0, 0, ms: 7), C(1, 9, ms: 1), C(2, 1, ms: 3)]));

        // A node not measured yet (0 ms) is tried first.
        Assert.Equal(0, lb.Select([C(0, 0, ms: 0), C(1, 0, ms: 1)]));
    }

    [Fact]
    public void LagAwarePicksTheFreshestThenTheLeastLoaded()
    {
        var lb = new LoadBalancer(LoadBalancingStrategy.LagAware);
        Assert.Equal(2, lb.Select([C(0, lag: 10), C(1, lag: 3), C(2, lag: 0)]));
        Assert.Equal(1, lb.Select([C(0, lag: 2, lagMs: 50), C(1, lag: 2, lagMs: 5)]));
        Assert.Equal(0, lb.Select([C(0, inFlight: 1, lag: 2, lagMs: 5), C(1, inFlight: 3, lag: 2, lagMs: 5)]));
    }

    [Fact]
    public void PowerOfTwoChoicesIsReplayableWithASeedAndPrefersTheLessLoadedOfItsPair()
    {
        LoadCandidate[] c = [C(0, inFlight: 0), C(1, inFlight: 10), C(2, inFlight: 20), C(3, inFlight: 30)];
        var first = Picks(new LoadBalancer(LoadBalancingStrategy.PowerOfTwoChoices, new Random(42)));
        var again = Picks(new LoadBalancer(LoadBalancingStrategy.PowerOfTwoChoices, new Random(42)));
        Assert.Equal(first, again);

        // The most loaded candidate is never picked: it loses every pair it is in.
        Assert.DoesNotContain(3, first);

        // The least loaded wins every pair it is in: with 4 candidates that is half of all pairs.
        var share = first.Count(p => p == 0) / (double)first.Length;
        Assert.InRange(share, 0.4, 0.6);

        int[] Picks(LoadBalancer lb) => Enumerable.Range(0, 2000).Select(_ => lb.Select(c)).ToArray();
    }

    [Fact]
    public void PowerOfTwoChoicesNeverPairsACandidateWithItself()
    {
        // With two candidates the pair is always both, so the less loaded always wins.
        var lb = new LoadBalancer(LoadBalancingStrategy.PowerOfTwoChoices, new Random(3));
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(1, lb.Select([C(0, inFlight: 2), C(1, inFlight: 1)]));
        }
    }

    [Fact]
    public void APerCallStrategyOverridesTheDefault()
    {
        var lb = new LoadBalancer(LoadBalancingStrategy.RoundRobin);
        LoadCandidate[] c = [C(0, inFlight: 3), C(1, inFlight: 0), C(2, inFlight: 3)];
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(1, lb.Select(c, LoadBalancingStrategy.LeastConnections));
        }
    }

    [Fact]
    public void AnUnknownStrategyIsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LoadBalancer((LoadBalancingStrategy)99));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new LoadBalancer(LoadBalancingStrategy.RoundRobin).Select([C(0), C(1)], (LoadBalancingStrategy)99)
        );
    }

    [Theory]
    [InlineData("round-robin", LoadBalancingStrategy.RoundRobin)]
    [InlineData("LeastConnections", LoadBalancingStrategy.LeastConnections)]
    [InlineData("weighted_response_time", LoadBalancingStrategy.WeightedResponseTime)]
    [InlineData("lagaware", LoadBalancingStrategy.LagAware)]
    [InlineData("p2c", LoadBalancingStrategy.PowerOfTwoChoices)]
    [InlineData("power-of-two-choices", LoadBalancingStrategy.PowerOfTwoChoices)]
    public void StrategyNamesParse(string text, LoadBalancingStrategy expected) =>
        Assert.Equal(expected, LoadBalancingStrategies.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("random")]
    public void UnknownStrategyNamesAreRefusedWithTheChoices(string? text)
    {
        var e = Assert.Throws<ArgumentException>(() => LoadBalancingStrategies.Parse(text));
        Assert.Contains("RoundRobin", e.Message, StringComparison.Ordinal);
    }
}
