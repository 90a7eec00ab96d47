using System.Diagnostics;
using Orleans.Replication.Client;
using Xunit;

namespace Orleans.Replication.ClusterTests;

public sealed class FailoverTests
{
    private static readonly WriteOptions Patient = new() { Timeout = TimeSpan.FromSeconds(15) };

    private static async Task<List<(string Key, string Value)>> WriteAsync(
        IReplicatedGroup group,
        string prefix,
        int count
    )
    {
        var acked = new List<(string, string)>();
        for (var i = 0; i < count; i++)
        {
            await group.PutAsync($"{prefix}{i}", $"{prefix}-value-{i}", Patient);
            acked.Add(($"{prefix}{i}", $"{prefix}-value-{i}"));
        }

        return acked;
    }

    private static async Task AssertAllPresentAsync(
        IReplicatedGroup group,
        IEnumerable<(string Key, string Value)> acked
    )
    {
        foreach (var (key, value) in acked)
        {
            var read = await group.GetAsync(
                key,
                new ReadOptions { Consistency = ReadConsistency.Strong, Timeout = TimeSpan.FromSeconds(15) }
            );
            Assert.True(
                read.ValueAsString == value,
                $"acknowledged write {key}={value} lost: read {read.ValueAsString ?? "(absent)"}"
            );
        }
    }

    [Fact]
    public async Task PrimarySiloLostReplicaPromotedAndNoAcknowledgedWriteLost()
    {
        await using var cluster = await IsolatedCluster.StartAsync(3);
        var group = cluster.Store.Group("fo-basic");
        var acked = await WriteAsync(group, "a", 150);
        var before = await group.GetStatusAsync();
        var primarySilo = await cluster.SiloOfNodeAsync("fo-basic", before.PrimaryIndex);

        await cluster.Cluster.KillSiloAsync(primarySilo);
        var watch = Stopwatch.StartNew();
        var first = await group.PutAsync("after", "failover", Patient);
        watch.Stop();

        Assert.True(
            first.Epoch > before.Epoch,
            $"write acknowledged in epoch {first.Epoch}, the failed primary's was {before.Epoch}"
        );
        var after = await group.GetStatusAsync();
        Assert.NotEqual(before.PrimaryIndex, after.PrimaryIndex);
        Assert.Equal(NodeRole.Primary, after.Nodes[after.PrimaryIndex].Role);
        Assert.True(after.Failovers >= 1);
        acked.AddRange(await WriteAsync(group, "b", 50));
        await AssertAllPresentAsync(group, acked);

        // The lost node comes back empty on a live silo, follows the new primary and catches up.
        await Eventually.HoldsAsync(
            async () => (await group.GetStatusAsync()).Nodes.All(n => n.Healthy && n.AppliedIndex >= first.Version),
            TimeSpan.FromSeconds(20),
            async () =>
                string.Join(
                    "; ",
                    (await group.GetStatusAsync()).Nodes.Select(n =>
                        $"{n.NodeIndex}:{n.Role}/{n.AppliedIndex}/{n.Problem}"
                    )
                )
        );
    }

    [Fact]
    public async Task WithoutAMajorityNothingIsPromotedAndWritesFailFast()
    {
        await using var cluster = await IsolatedCluster.StartAsync(3);
        const string name = "fo-minority";
        var group = cluster.Store.Group(name);
        var acked = await WriteAsync(group, "a", 20);
        var before = await group.GetStatusAsync();
        var primaryKey = GroupNames.NodeKey(name, before.PrimaryIndex);
        var replicaKey = GroupNames.NodeKey(name, (before.PrimaryIndex + 1) % 3);

        // The primary and one replica freeze, as paused processes do: two of three nodes unreachable, none of them
        // dead.
        Freezer.Freeze(primaryKey);
        Freezer.Freeze(replicaKey);
        try
        {
            await Eventually.HoldsAsync(
                async () =>
                    (await group.GetStatusAsync()) is { PrimaryIndex: < 0, Problem: { } p } && p.Contains("majority"),
                TimeSpan.FromSeconds(20),
                async () =>
                    (await group.GetStatusAsync()) is var s
                        ? $"status: epoch {s.Epoch} primary {s.PrimaryIndex} problem {s.Problem}"
                        : ""
            );

            // It stays so: the periodic check tries again and again, and never promotes the lone node.
            var stuck = await group.GetStatusAsync();
            await Eventually.HoldsAsync(
                async () => (await group.GetStatusAsync()).Epoch > stuck.Epoch,
                TimeSpan.FromSeconds(10),
                "the coordinator did not try again"
            );
            Assert.True((await group.GetStatusAsync()).PrimaryIndex < 0, "a node was promoted without a majority");

            await group.GetRouteAsync(refresh: true);
            var watch = Stopwatch.StartNew();
            var error = await Assert.ThrowsAsync<NoPrimaryException>(() => group.PutAsync("k", "v", Patient));
            Assert.True(
                watch.Elapsed < TimeSpan.FromSeconds(2),
                $"the write took {watch.Elapsed} to fail; it must fail fast"
            );
            Assert.True(error.IsRetryable);
            Assert.Contains("majority", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Freezer.Thaw(replicaKey);
        }

        // With the replica back there is a majority again: a node is promoted and nothing acknowledged is lost.
        try
        {
            await Eventually.HoldsAsync(
                async () => (await group.GetStatusAsync()).PrimaryIndex >= 0,
                TimeSpan.FromSeconds(20),
                "no promotion after the majority came back"
            );
            await group.GetRouteAsync(refresh: true);
            var first = await group.PutAsync("after", "majority", Patient);
            Assert.True(first.Epoch > before.Epoch);
            Assert.NotEqual(before.PrimaryIndex, (await group.GetStatusAsync()).PrimaryIndex);
            await AssertAllPresentAsync(group, acked);
        }
        finally
        {
            Freezer.Thaw(primaryKey);
        }

        // The old primary wakes up deposed and rejoins as a replica.
        await Eventually.HoldsAsync(
            async () =>
                (await group.GetStatusAsync()).Nodes[before.PrimaryIndex] is { Role: NodeRole.Replica, CaughtUp: true },
            TimeSpan.FromSeconds(20),
            async () => $"{(await group.GetStatusAsync()).Nodes[before.PrimaryIndex]}"
        );
    }

    [Fact]
    public async Task PlannedSwitchoverLosesNothingAndWritesGoOn()
    {
        await using var cluster = await IsolatedCluster.StartAsync(3);
        const string name = "fo-switch";
        var group = cluster.Store.Group(name);
        var acked = await WriteAsync(group, "a", 50);

        using var stop = new CancellationTokenSource();
        var during = new List<(string, string)>();
        var writer = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                await group.PutAsync($"w{i}", $"w-{i}", Patient);
                lock (during)
                {
                    during.Add(($"w{i}", $"w-{i}"));
                }
            }
        });

        await Eventually.HoldsAsync(
            () => Task.FromResult(during.Count > 20),
            TimeSpan.FromSeconds(10),
            "the writer did not start"
        );
        var route = await cluster.Coordinator(name).SwitchoverAsync(2);
        Assert.Equal(2, route.PrimaryIndex);
        await Eventually.HoldsAsync(
            () => Task.FromResult(during.Count > 60),
            TimeSpan.FromSeconds(10),
            "writes did not go on after the switchover"
        );
        stop.Cancel();
        await writer; // every write of the writer was acknowledged: none failed across the switchover

        var status = await group.GetStatusAsync();
        Assert.Equal(2, status.PrimaryIndex);
        Assert.Equal(NodeRole.Replica, status.Nodes[0].Role);
        acked.AddRange(during);
        await AssertAllPresentAsync(group, acked);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => cluster.Coordinator(name).SwitchoverAsync(3));
    }

    [Fact]
    public async Task CoordinatorSiloLostThenASecondFailoverWorks()
    {
        await using var cluster = await IsolatedCluster.StartAsync(4);
        const string name = "fo-coordinator";
        var group = cluster.Store.Group(name);
        var acked = await WriteAsync(group, "a", 30);

        // First the coordinator's silo (with 4 silos it hosts no node of a 3-node group, though it may).
        await cluster.Cluster.KillSiloAsync(cluster.SiloOfCoordinator(name));
        acked.AddRange(await WriteAsync(group, "b", 30));
        await Eventually.HoldsAsync(async () => (await group.GetStatusAsync()).Nodes.All(n => n.Healthy && n.CaughtUp),
            TimeSpan.FromSeconds(20), "the group did not heal after the coordinator's silo was lost");

        // Then the primary's: the coordinator, now elsewhere and rebuilt from the nodes, fails over.
        var before = await group.GetStatusAsync();
        await cluster.Cluster.KillSiloAsync(await cluster.SiloOfNodeAsync(name, before.PrimaryIndex));
        var write = await group.PutAsync("after", "second failover", Patient);
        Assert.True(write.Epoch > before.Epoch);
        acked.AddRange(await WriteAsync(group, "c", 30));
        await AssertAllPresentAsync(group, acked);
    }
}
