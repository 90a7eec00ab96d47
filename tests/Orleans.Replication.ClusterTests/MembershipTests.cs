using Orleans.Replication.Client;
using Orleans.Replication.Protocol;
using Xunit;

namespace Orleans.Replication.ClusterTests;

/// <summary>
/// Adding and removing replicas: full sync before counting, no acknowledged write lost, bad requests refused.
/// </summary>
[Collection("cluster")]
public sealed class MembershipTests(ClusterFixture fixture)
{
    private static readonly WriteOptions Patient = new() { Timeout = TimeSpan.FromSeconds(15) };

    private static readonly ReadOptions StrongRead = new()
    {
        Consistency = ReadConsistency.Strong,
        Timeout = TimeSpan.FromSeconds(15),
    };

    [Fact]
    public async Task AnAddedReplicaSyncsFullyWhileWritesGoOnThenCountsTowardQuorums()
    {
        const string name = "mem-add";
        var group = fixture.Store.Group(name);
        for (var i = 0; i < 200; i++)
        {
            await group.PutAsync($"k{i}", $"v{i}", Patient);
        }

        // Writes go on during the change; each is acknowledged exactly once, whatever the epoch change does to it.
        using var stop = new CancellationTokenSource();
        var acked = new List<(string Key, string Value)>();
        var writer = Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                await group.PutAsync($"live{n % 50}", $"w{n}", Patient);
                lock (acked)
                {
                    acked.Add(($"live{n % 50}", $"w{n}"));
                }
            }
        });

        GroupRoute route;
        try
        {
            route = await group.AddReplicaAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            stop.Cancel();
            await writer;
        }

        Assert.Equal(4, route.NodeCount);
        var status = await group.GetStatusAsync();
        Assert.Equal(4, status.NodeCount);
        Assert.Equal(4, status.Nodes.Count);
        var added = status.Nodes[3];
        Assert.Equal(NodeRole.Replica, added.Role);
        Assert.True(added.CaughtUp, $"the added node is not caught up: {added}");

        // The new node holds the data written before it existed.
        var last = (await group.PutAsync("final", "x", Patient)).Version;
        await Eventually.HoldsAsync(async () => (await fixture.Node(name, 3).GetStatusAsync()).AppliedIndex >= last,
            TimeSpan.FromSeconds(10), async () => $"node 3: {await fixture.Node(name, 3).GetStatusAsync()}");
        for (var i = 0; i < 200; i += 9)
        {
            var reply = await fixture
                .Node(name, 3)
                .ReadAsync(new ReadRequest($"k{i}", ReadConsistency.Eventual, 0, TimeSpan.Zero));
            Assert.Equal($"v{i}", reply.Found ? System.Text.Encoding.UTF8.GetString(reply.Value!) : null);
        }

        // The last acknowledged value of every live key survived the change.
        foreach (var (key, value) in acked.GroupBy(a => a.Key).Select(g => g.Last()))
        {
            Assert.Equal(value, (await group.GetAsync(key, StrongRead)).ValueAsString);
        }

        // It counts toward quorums: with one old replica held back, a majority of four (primary and two replicas)
        // needs the new node.
        var held = Enumerable.Range(0, 3).First(i => i != status.PrimaryIndex);
        await fixture.Faults(name, held).HoldReplicationAsync();
        try
        {
            var w = await group.PutAsync(
                "needs-the-new-node",
                "yes",
                new WriteOptions { Timeout = TimeSpan.FromSeconds(5) }
            );
            Assert.Equal(status.Epoch, w.Epoch);
            var all = await Assert.ThrowsAsync<WriteConcernTimeoutException>(() =>
                group.PutAsync(
                    "needs-all",
                    "no",
                    new WriteOptions { Concern = WriteConcern.All, Timeout = TimeSpan.FromSeconds(1) }
                )
            );
            Assert.Contains("of 3 replicas", all.Message, StringComparison.Ordinal);
        }
        finally
        {
            await fixture.Faults(name, held).ReleaseReplicationAsync();
        }

        // A coordinator activated again learns the new size from the nodes.
        await fixture.Cluster.DeactivateAsync(fixture.Grains.GetGrain<IGroupCoordinatorGrain>(name));
        await Eventually.HoldsAsync(
            async () => (await group.GetStatusAsync()).NodeCount == 4,
            TimeSpan.FromSeconds(10),
            "the rebuilt route lost the added node"
        );
    }

    [Fact]
    public async Task AnAddThatCannotSyncFailsChangesNothingAndTheGroupKeepsWorking()
    {
        const string name = "mem-add-stuck";
        var group = fixture.Store.Group(name);
        for (var i = 0; i < 50; i++)
        {
            await group.PutAsync($"k{i}", $"v{i}", Patient);
        }

        var before = await group.GetStatusAsync();

        // The node to be added takes no replication: it never catches up.
        await fixture.Faults(name, 3).HoldReplicationAsync();
        try
        {
            var e = await Assert.ThrowsAsync<TimeoutException>(() => group.AddReplicaAsync(TimeSpan.FromSeconds(2)));
            Assert.Contains("did not catch up", e.Message, StringComparison.Ordinal);

            // Nothing changed: same size and epoch, and a syncing node counts toward no quorum, so All still means the
            // three.
            var after = await group.GetStatusAsync();
            Assert.Equal(3, after.NodeCount);
            Assert.Equal(before.Epoch, after.Epoch);
            var w = await group.PutAsync(
                "still",
                "works",
                new WriteOptions { Concern = WriteConcern.All, Timeout = TimeSpan.FromSeconds(5) }
            );
            Assert.Equal(before.Epoch, w.Epoch);
        }
        finally
        {
            await fixture.Faults(name, 3).ReleaseReplicationAsync();
        }

        // Once the node can sync, the add goes through.
        var route = await group.AddReplicaAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(4, route.NodeCount);
    }

    [Fact]
    public async Task RemovingTheReplicaThatLeadsHandsOverFirstAndLosesNothing()
    {
        const string name = "mem-remove";
        var group = fixture.Store.Group(name);
        var acked = new List<(string Key, string Value)>();
        for (var i = 0; i < 100; i++)
        {
            await group.PutAsync($"k{i}", $"v{i}", Patient);
            acked.Add(($"k{i}", $"v{i}"));
        }

        // Make the leaving node (the last one) the primary.
        var led = await group.SwitchoverAsync(2);
        Assert.Equal(2, led.PrimaryIndex);
        for (var i = 100; i < 150; i++)
        {
            await group.PutAsync($"k{i}", $"v{i}", Patient);
            acked.Add(($"k{i}", $"v{i}"));
        }

        var route = await group.RemoveReplicaAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, route.NodeCount);
        Assert.InRange(route.PrimaryIndex, 0, 1);
        Assert.True(route.Epoch > led.Epoch);

        var status = await group.GetStatusAsync();
        Assert.Equal(2, status.Nodes.Count);
        var gone = await fixture.Node(name, 2).GetStatusAsync();
        Assert.Equal(NodeRole.Unassigned, gone.Role);
        Assert.Equal(0, gone.LastIndex);

        // Majority of two is both nodes; every acknowledged write is still there.
        await group.PutAsync("after-remove", "ok", Patient);
        foreach (var (key, value) in acked)
        {
            Assert.Equal(value, (await group.GetAsync(key, StrongRead)).ValueAsString);
        }

        // A coordinator activated again does not count the removed node.
        await fixture.Cluster.DeactivateAsync(fixture.Grains.GetGrain<IGroupCoordinatorGrain>(name));
        Assert.Equal(2, (await group.GetStatusAsync()).NodeCount);

        // And the group grows back to three: the node that left joins again, synced afresh.
        route = await group.ResizeAsync(3, TimeSpan.FromSeconds(30));
        Assert.Equal(3, route.NodeCount);
        var last = (await group.PutAsync("grown", "again", Patient)).Version;
        await Eventually.HoldsAsync(
            async () =>
                (await fixture.Node(name, 2).GetStatusAsync()) is { Role: NodeRole.Replica, CaughtUp: true } s
                && s.AppliedIndex >= last,
            TimeSpan.FromSeconds(10),
            async () => $"node 2: {await fixture.Node(name, 2).GetStatusAsync()}"
        );
    }

    [Fact]
    public async Task ASizeChangeNeedsAMajorityOfTheOldGroupToo()
    {
        const string name = "mem-joint";
        var group = await fixture.Store.CreateGroupAsync(name, new GroupConfiguration(4));
        for (var i = 0; i < 20; i++)
        {
            await group.PutAsync($"k{i}", $"v{i}", Patient);
        }

        // Nodes 2 and 3 freeze: the three-node group left by a removal (0, 1, 2) would still have a majority of
        // caught-up voters (0 and 1), but the four-node group it comes from would not (2 of 4).
        Freezer.Freeze(GroupNames.NodeKey(name, 2));
        Freezer.Freeze(GroupNames.NodeKey(name, 3));
        try
        {
            var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
                group.RemoveReplicaAsync(TimeSpan.FromSeconds(10))
            );
            Assert.Contains("no majority to change the group from 4 to 3", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Freezer.Thaw(GroupNames.NodeKey(name, 2));
            Freezer.Thaw(GroupNames.NodeKey(name, 3));
        }

        // The group keeps its four nodes, gets a primary again, and has lost nothing.
        await Eventually.HoldsAsync(
            async () => (await group.GetStatusAsync()) is { PrimaryIndex: >= 0, NodeCount: 4 },
            TimeSpan.FromSeconds(20),
            async () =>
                (await group.GetStatusAsync()) is var s
                    ? $"status: epoch {s.Epoch} primary {s.PrimaryIndex} nodes {s.NodeCount} problem {s.Problem}"
                    : ""
        );
        await group.GetRouteAsync(refresh: true);
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal($"v{i}", (await group.GetAsync($"k{i}", StrongRead)).ValueAsString);
        }
    }

    [Fact]
    public async Task BadChangesAreRefusedAndChangeNothing()
    {
        const string name = "mem-bad";
        var single = await fixture.Store.CreateGroupAsync(name, new GroupConfiguration(1));
        await single.PutAsync("k", "v", Patient);
        var before = await single.GetStatusAsync();

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => single.RemoveReplicaAsync());
        Assert.Contains("single node", e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => single.ResizeAsync(0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => single.ResizeAsync(8));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => single.AddReplicaAsync(TimeSpan.Zero));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => single.AddReplicaAsync(TimeSpan.FromHours(1)));

        var after = await single.GetStatusAsync();
        Assert.Equal(before.Epoch, after.Epoch);
        Assert.Equal(1, after.NodeCount);
        Assert.Equal("v", (await single.GetAsync("k", StrongRead)).ValueAsString);
    }
}
