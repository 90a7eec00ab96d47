using Orleans.Replication.Diagnostics;

namespace Orleans.Replication.Tests;

/// <summary>
/// Lag figures in group status: the replica's own and the primary's view together, and the healthy replicas under a
/// bound.
/// </summary>
public sealed class ReplicationMonitorTests
{
    private static NodeStatus Node(
        int index,
        NodeRole role,
        long lagEntries,
        double lagMs,
        IReadOnlyList<ReplicaLag>? replicas = null,
        bool healthy = true,
        bool caughtUp = true
    ) =>
        new(
            index,
            role,
            "S" + index,
            4,
            100,
            100 - lagEntries,
            100,
            lagEntries,
            lagMs,
            healthy,
            Guid.Empty,
            10,
            healthy ? null : "trouble",
            4,
            caughtUp,
            3,
            replicas
        );

    [Fact]
    public void EachReplicaGetsTheLargerOfItsOwnAndThePrimarysFigures()
    {
        // Replica 1 hears nothing (it does not know what it lacks); replica 2 applied more since its last reply.
        var primary = Node(
            0,
            NodeRole.Primary,
            0,
            0,
            [new ReplicaLag(1, 40, 60, 2_500), new ReplicaLag(2, 90, 10, 80)]
        );
        NodeStatus[] nodes = [primary, Node(1, NodeRole.Replica, 0, 1_900), Node(2, NodeRole.Replica, 2, 120)];

        var merged = ReplicationMonitor.WithPrimaryView(nodes, 0);

        Assert.Same(primary, merged[0]);
        Assert.Equal((60L, 2_500.0), (merged[1].LagEntries, merged[1].LagMs));
        Assert.Equal((10L, 120.0), (merged[2].LagEntries, merged[2].LagMs));
    }

    [Fact]
    public void WithoutAPrimaryTheReplicasOwnFiguresStand()
    {
        NodeStatus[] nodes = [Node(0, NodeRole.Replica, 3, 30), Node(1, NodeRole.Replica, 0, 5)];

        Assert.Equal(nodes, ReplicationMonitor.WithPrimaryView(nodes, -1));
        Assert.Equal(nodes, ReplicationMonitor.WithPrimaryView(nodes, 1)); // node 1 does not report itself primary
    }

    [Fact]
    public void HealthyReplicasAreCaughtUpReplicasWithinTheBound()
    {
        var status = new GroupStatus("g", 4, 0, 5,
        [
            Node(0, NodeRole.Primary, 0, 0),
            Node(1, NodeRole.Replica, 1, 200),
            Node(2, NodeRole.Replica, 0, 201),
            Node(3, NodeRole.Replica, 0, 10, caughtUp: false),
            Node(4, NodeRole.Replica, 0, 10, healthy: false),
        ]);

        Assert.Equal([1], status.HealthyReplicas(TimeSpan.FromMilliseconds(200)).Select(n => n.NodeIndex));
        Assert.Equal([1, 2], status.HealthyReplicas(TimeSpan.FromSeconds(1)).Select(n => n.NodeIndex));
        Assert.Equal([2], status.HealthyReplicas(TimeSpan.FromSeconds(1), maxLagEntries: 0).Select(n => n.NodeIndex));
    }
}
