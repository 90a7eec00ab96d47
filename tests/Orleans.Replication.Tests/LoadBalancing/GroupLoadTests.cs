using Microsoft.Extensions.Time.Testing;
using Orleans.Replication.LoadBalancing;

namespace Orleans.Replication.Tests.LoadBalancing;

/// <summary>Health of nodes in a group's load balancer: each reason to leave the rotation, and the way back.</summary>
public sealed class GroupLoadTests
{
    private static readonly GroupRoute Route = new("g", 3, 0, 3);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static NodeStatus Status(int index, long lagEntries = 0, double lagMs = 0, bool caughtUp = true) =>
        new(
            index,
            index == 0 ? NodeRole.Primary : NodeRole.Replica,
            "S" + index,
            3,
            10,
            10,
            10,
            lagEntries,
            lagMs,
            true,
            Guid.Empty,
            1,
            null,
            3,
            caughtUp,
            3
        );

    private static (NodeStatus?, bool, string?) Up(NodeStatus status) => (status, true, null);

    private GroupLoad Checked(params (NodeStatus?, bool, string?)[] nodes)
    {
        var load = new GroupLoad("g", _time);
        load.ObserveCheck(Route, nodes);
        return load;
    }

    private static NodeLoad Node(GroupLoad load, int index, Guid? client = null) => load.Snapshot(client).Nodes[index];

    [Fact]
    public void EveryAnsweringNodeOnAnActiveSiloIsInRotation()
    {
        var load = Checked(Up(Status(0)), Up(Status(1)), Up(Status(2)));

        var snapshot = load.Snapshot(null);

        Assert.All(snapshot.Nodes, n => Assert.True(n.InRotation, n.OutReason));
        Assert.Equal(0, snapshot.PrimaryIndex);
        Assert.Equal(_time.GetUtcNow().UtcTicks, snapshot.TakenTicks);
    }

    [Fact]
    public void AnUnreachableNodeLeavesAndReturnsWhenItAnswers()
    {
        var load = Checked(Up(Status(0)), (null, false, "TimeoutException"), Up(Status(2)));
        Assert.False(Node(load, 1).InRotation);
        Assert.Contains("unreachable", Node(load, 1).OutReason);

        load.ObserveCheck(Route, [Up(Status(0)), Up(Status(1)), Up(Status(2))]);

        Assert.True(Node(load, 1).InRotation);
    }

    [Fact]
    public void ANodeOnASiloThatIsNotActiveLeavesTheRotation()
    {
        var load = Checked(Up(Status(0)), (Status(1), false, null), Up(Status(2)));

        Assert.False(Node(load, 1).InRotation);
        Assert.Contains("not Active", Node(load, 1).OutReason);
    }

    [Fact]
    public void AReplicaLaggingPastTheBoundLeavesAndReturnsWhenItCatchesUp()
    {
        var load = Checked(Up(Status(0)), Up(Status(1)), Up(Status(2)));
        load.SetPolicy(
            ReadRoutingPolicy.Default with
            {
                MaxReadLag = TimeSpan.FromMilliseconds(500),
                MaxReadLagEntries = 100,
            }
        );

        load.ObserveCheck(
            Route,
            [Up(Status(0)), Up(Status(1, lagEntries: 3, lagMs: 501)), Up(Status(2, lagEntries: 101, lagMs: 10))]
        );
        Assert.False(Node(load, 1).InRotation);
        Assert.Contains("lag", Node(load, 1).OutReason);
        Assert.False(Node(load, 2).InRotation);
        Assert.Equal(101, Node(load, 2).LagEntries);

        load.ObserveCheck(
            Route,
            [Up(Status(0)), Up(Status(1, lagEntries: 0, lagMs: 500)), Up(Status(2, lagEntries: 100, lagMs: 10))]
        );
        Assert.True(Node(load, 1).InRotation);
        Assert.True(Node(load, 2).InRotation);
    }

    [Fact]
    public void AReplicaCatchingUpAfterActivationIsOutOfRotation()
    {
        var load = Checked(Up(Status(0)), Up(Status(1, caughtUp: false)), Up(Status(2)));

        Assert.False(Node(load, 1).InRotation);
    }

    [Fact]
    public void ANodeAtItsMaximumLoadLeavesUntilItDrains()
    {
        var load = Checked(Up(Status(0)), Up(Status(1)), Up(Status(2)));
        load.SetPolicy(ReadRoutingPolicy.Default with { MaxInFlightPerNode = 10 });
        var a = Guid.NewGuid();
        var b = Guid.NewGuid();

        load.ObserveReport(new LoadReport(a, [new NodeObservation(1, 6, 0, [])]));
        load.ObserveReport(new LoadReport(b, [new NodeObservation(1, 4, 0, [])]));

        Assert.False(Node(load, 1).InRotation);
        Assert.Equal(10, Node(load, 1).InFlight);
        Assert.Equal(4, load.Snapshot(a).Nodes[1].InFlight); // a client is told the others' load, not its own

        // Replaces b's figure, does not add to it.
        load.ObserveReport(new LoadReport(b, [new NodeObservation(1, 3, 0, [])]));
        Assert.True(Node(load, 1).InRotation);
        Assert.Equal(9, Node(load, 1).InFlight);
    }

    [Fact]
    public void AClientThatStopsReportingNoLongerCountsAfterTheExpiry()
    {
        var load = Checked(Up(Status(0)), Up(Status(1)), Up(Status(2)));
        load.ObserveReport(new LoadReport(Guid.NewGuid(), [new NodeObservation(2, 7, 0, [])]));
        _time.Advance(GroupLoad.ReportExpiry);
        Assert.Equal(7, Node(load, 2).InFlight);

        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(0, Node(load, 2).InFlight);
    }

    [Fact]
    public void ReportedFailuresTakeANodeOutUntilTheQuarantineEndsOrACheckSeesItAnswer()
    {
        var load = Checked(Up(Status(0)), Up(Status(1)), Up(Status(2)));
        var client = Guid.NewGuid();
        _time.Advance(TimeSpan.FromMilliseconds(1));

        load.ObserveReport(new LoadReport(client, [new NodeObservation(1, 0, 2, [])]));
        Assert.False(Node(load, 1).InRotation);
        Assert.Contains("could not reach", Node(load, 1).OutReason);

        _time.Advance(GroupLoad.FailureQuarantine);
        Assert.True(Node(load, 1).InRotation);

        load.ObserveReport(new LoadReport(client, [new NodeObservation(1, 0, 1, [])]));
        Assert.False(Node(load, 1).InRotation);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        load.ObserveCheck(Route, [Up(Status(0)), Up(Status(1)), Up(Status(2))]);
        Assert.True(Node(load, 1).InRotation);
    }

    [Fact]
    public void ResponseTimesAreAveragedOverTheLastHundredAcrossReports()
    {
        var load = Checked(Up(Status(0)), Up(Status(1)), Up(Status(2)));
        load.ObserveReport(
            new LoadReport(Guid.NewGuid(), [new NodeObservation(0, 0, 0, [.. Enumerable.Repeat(100.0, 100)])])
        );
        load.ObserveReport(
            new LoadReport(Guid.NewGuid(), [new NodeObservation(0, 0, 0, [.. Enumerable.Repeat(2.0, 50)])])
        );

        Assert.Equal(51, Node(load, 0).AverageResponseMs, 6);
    }

    [Fact]
    public void AnInvalidPolicyOrReportIsRefusedAndChangesNothing()
    {
        var load = Checked(Up(Status(0)), Up(Status(1)), Up(Status(2)));
        var before = load.Policy;

        Assert.Throws<ArgumentException>(() => load.SetPolicy(before with { MaxReadLag = TimeSpan.Zero }));
        Assert.Throws<ArgumentException>(() => load.SetPolicy(before with { MaxInFlightPerNode = 0 }));
        Assert.Throws<ArgumentException>(() => load.SetPolicy(before with { Strategy = (LoadBalancingStrategy)99 }));
        Assert.Throws<ArgumentException>(() =>
            load.ObserveReport(
                new LoadReport(Guid.NewGuid(), [new NodeObservation(0, 5, 0, []), new NodeObservation(9, 0, 0, [])])
            )
        );
        Assert.Throws<ArgumentException>(() =>
            load.ObserveReport(new LoadReport(Guid.NewGuid(), [new NodeObservation(0, 0, 0, [double.NaN])]))
        );

        Assert.Same(before, load.Policy);
        Assert.Equal(0, Node(load, 0).InFlight);
    }
}
