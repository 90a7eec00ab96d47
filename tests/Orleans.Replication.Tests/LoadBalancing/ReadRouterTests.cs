using Microsoft.Extensions.Time.Testing;
using Orleans.Replication.Client;
using Orleans.Replication.LoadBalancing;

namespace Orleans.Replication.Tests.LoadBalancing;

/// <summary>The client's choice of read nodes from a routing snapshot.</summary>
public sealed class ReadRouterTests
{
    private static readonly GroupRoute Route = new("g", 2, 0, 3);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static NodeLoad In(int i, int inFlight = 0, double ms = 1, long lag = 0) =>
        new(i, i == 0 ? NodeRole.Primary : NodeRole.Replica, true, null, inFlight, ms, lag, 0);

    private static NodeLoad Out(int i, string why = "lag too high") => new(i, NodeRole.Replica, false, why, 0, 1, 0, 0);

    private static RoutingSnapshot Snapshot(LoadBalancingStrategy strategy, params NodeLoad[] nodes) =>
        new("g", 2, 0, ReadRoutingPolicy.Default with { Strategy = strategy, MaxInFlightPerNode = 5 }, nodes, 0);

    private ReadRouter Router(RoutingSnapshot? snapshot = null)
    {
        var router = new ReadRouter(
            _ => Task.FromException<RoutingSnapshot>(new TimeoutException("unreachable")),
            _time,
            TimeSpan.FromSeconds(1),
            new Random(7)
        );
        if (snapshot is not null)
        {
            router.Apply(snapshot);
        }

        return router;
    }

    [Fact]
    public void NodesOutOfRotationAreNotPicked()
    {
        var router = Router(Snapshot(LoadBalancingStrategy.RoundRobin, In(0), Out(1), In(2)));

        for (var i = 0; i < 10; i++)
        {
            var order = router.Order(Route, null);
            Assert.DoesNotContain(1, order);
            Assert.Equal([0, 2], order.Order());
        }
    }

    [Fact]
    public void WithEveryReplicaOutReadsFallBackToThePrimary()
    {
        var router = Router(Snapshot(LoadBalancingStrategy.RoundRobin, Out(0, "maximum load"), Out(1), Out(2)));

        Assert.Equal([0], router.Order(Route, null));
    }

    [Fact]
    public void WithNoPrimaryAndNoNodeInRotationNoNodeIsAvailable()
    {
        var router = Router(Snapshot(LoadBalancingStrategy.RoundRobin, Out(0), Out(1), Out(2)));

        var e = Assert.Throws<NoAvailableNodeException>(() =>
            router.Order(Route with { PrimaryIndex = -1, Problem = "failover" }, null)
        );

        Assert.StartsWith("No available nodes", e.Message, StringComparison.Ordinal);
        Assert.Contains("lag too high", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheGroupStrategyPicksAndAReadCanOverrideIt()
    {
        var router = Router(
            Snapshot(
                LoadBalancingStrategy.LagAware,
                In(0, inFlight: 3, lag: 0),
                In(1, inFlight: 0, lag: 9),
                In(2, inFlight: 1, lag: 4)
            )
        );

        Assert.Equal([0, 2, 1], router.Order(Route, null));
        Assert.Equal([1, 2, 0], router.Order(Route, LoadBalancingStrategy.LeastConnections));
    }

    [Fact]
    public void TheClientsOwnReadsInFlightCountTowardLoadAndMaximum()
    {
        var router = Router(
            Snapshot(LoadBalancingStrategy.LeastConnections, In(0, inFlight: 2), In(1, inFlight: 1), In(2, inFlight: 3))
        );
        router.Begin(1);
        router.Begin(1);

        Assert.Equal(0, router.Order(Route, null)[0]); // 1 has 1 + 2 in flight now, more than 0's 2

        router.Begin(2);
        router.Begin(2); // 3 + 2 = 5: at the maximum load of 5
        Assert.DoesNotContain(2, router.Order(Route, null));
    }

    [Fact]
    public void ANodeThisClientFailedToReachIsOutUntilTheNextSnapshot()
    {
        var snapshot = Snapshot(LoadBalancingStrategy.RoundRobin, In(0), In(1), In(2));
        var router = Router(snapshot);

        router.End(2, router.Begin(2), answered: false);
        Assert.DoesNotContain(2, router.Order(Route, null));

        router.Apply(snapshot);
        Assert.Contains(2, router.Order(Route, null));
    }

    [Fact]
    public void WithoutAUsableSnapshotEveryNodeIsTriedPrimaryLast()
    {
        var router = Router(Snapshot(LoadBalancingStrategy.RoundRobin, Out(0), Out(1), Out(2)));
        _time.Advance(router.StaleLimit + TimeSpan.FromTicks(1));

        Assert.Null(router.Snapshot);
        for (var i = 0; i < 4; i++)
        {
            var order = router.Order(Route, null);
            Assert.Equal(3, order.Length);
            Assert.Equal(0, order[^1]);
        }
    }

    [Fact]
    public async Task ARefreshSendsObservationsAndTakesTheSnapshotOnlyWhenDue()
    {
        var reports = new List<LoadReport>();
        var served = Snapshot(LoadBalancingStrategy.RoundRobin, In(0), In(1), In(2));
        var router = new ReadRouter(r =>
        {
            reports.Add(r);
            return Task.FromResult(served);
        }, _time, TimeSpan.FromSeconds(1));

        await router.RefreshIfDueAsync(CancellationToken.None); // none yet: waits for the first
        Assert.Same(served, router.Snapshot);
        router.End(1, router.Begin(1), answered: true);
        router.End(2, router.Begin(2), answered: false);

        await router.RefreshIfDueAsync(CancellationToken.None);
        Assert.Single(reports); // not due yet

        _time.Advance(TimeSpan.FromSeconds(1));
        await router.RefreshIfDueAsync(CancellationToken.None);
        Assert.Equal(2, reports.Count);
        var sent = reports[1].Nodes.ToDictionary(n => n.NodeIndex);
        Assert.Single(sent[1].ResponseTimesMs);
        Assert.Equal(0, sent[1].Failures);
        Assert.Equal(1, sent[2].Failures);
        Assert.Empty(sent[2].ResponseTimesMs);
        Assert.Equal(reports[0].ClientId, reports[1].ClientId);
    }
}
