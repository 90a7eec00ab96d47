using Orleans.Replication.Client;
using Orleans.Replication.Placement;
using Orleans.Replication.Protocol;
using Xunit;

namespace Orleans.Replication.ClusterTests;

/// <summary>
/// Keeping a group whole in-process: where an added node goes, what a catching-up node may do, moving a node with its
/// data, promotion of the in-sync survivor, the back-off of a group without a majority, and the operator's recovery.
/// </summary>
/// <remarks>Each test runs a cluster of its own: it stops or freezes nodes and adds silos.</remarks>
public sealed class SelfHealingClusterTests
{
    private static readonly WriteOptions Patient = new() { Timeout = TimeSpan.FromSeconds(15) };

    [Fact]
    public async Task AnAddedReplicaGoesToTheFreeSiloAndNoExistingNodeIsEmptied()
    {
        // The group's nodes were placed over three silos; over four, the formula alone puts node 3 beside one of them
        // (unless the group's offset is 0 mod 4): only the coordinator's choice finds the silo that holds none.
        var name = Enumerable
            .Range(0, 100)
            .Select(i => $"heal-add-{i}")
            .First(n => DistinctNodePlacementDirector.StableHash(n) % 4 != 0);
        await using var cluster = await IsolatedCluster.StartAsync(3);
        var group = cluster.Store.Group(name);
        for (var i = 0; i < 300; i++)
        {
            await group.PutAsync($"k{i}", $"v{i}", Patient);
        }

        var before = await group.GetStatusAsync();
        Assert.Equal(3, before.Nodes.Select(n => n.Silo).Distinct().Count());

        var added = await cluster.Cluster.StartAdditionalSiloAsync();
        await Eventually.HoldsAsync(
            async () => (await cluster.Grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Count == 4,
            TimeSpan.FromSeconds(30),
            "the fourth silo did not become active"
        );
        var sorted = cluster.Cluster.Silos.Select(s => s.SiloAddress).Order().ToArray();
        var byFormula = sorted[(int)((DistinctNodePlacementDirector.StableHash(name) + 3L) % 4)];
        Assert.True(
            before.Nodes.Any(n => n.Silo == byFormula.ToString()),
            "the test needs a group whose formula slot for node 3 is taken"
        );

        var route = await group.AddReplicaAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(4, route.NodeCount);

        var after = await group.GetStatusAsync();
        Assert.Equal(added.SiloAddress.ToString(), after.Nodes[3].Silo);
        for (var i = 0; i < 3; i++)
        {
            // Same activation, same silo, all its data: nothing was emptied to make room.
            Assert.Equal(before.Nodes[i].Incarnation, after.Nodes[i].Incarnation);
            Assert.Equal(before.Nodes[i].Silo, after.Nodes[i].Silo);
            Assert.True(after.Nodes[i].AppliedIndex >= before.Nodes[i].AppliedIndex, $"node {i}: {after.Nodes[i]}");
        }

        Assert.Equal(4, after.Nodes.Select(n => n.Silo).Distinct().Count());
        await Eventually.HoldsAsync(
            async () =>
                (await group.GetStatusAsync()) is { UnderReplicatedSince: null } s
                && s.Nodes.All(n => n.CaughtUp && n.Healthy),
            TimeSpan.FromSeconds(15),
            async () => Describe(await group.GetStatusAsync())
        );
    }

    [Fact]
    public async Task ACatchingUpNodeIsNeitherHealthyNorServedFromAndTheGroupSaysItIsShort()
    {
        const string name = "heal-catching-up";
        await using var cluster = await IsolatedCluster.StartAsync(3);
        var group = cluster.Store.Group(name);
        for (var i = 0; i < 200; i++)
        {
            await group.PutAsync($"k{i}", $"v{i}", Patient);
        }

        var status = await group.GetStatusAsync();
        var lagging = status.Nodes.First(n => n.NodeIndex != status.PrimaryIndex).NodeIndex;
        var key = GroupNames.NodeKey(name, lagging);
        Freezer.Starve(key);
        try
        {
            // The node loses its state, as when its silo dies; it comes back empty and hears from the primary, but
            // every entry and snapshot it needs is held.
            await cluster.Cluster.DeactivateAsync(cluster.Grains.GetGrain<IReplicaNodeGrain>(key));

            // Hands off until the group itself has brought the node back: a status call would re-create it.
            await Eventually.HoldsAsync(
                () => Task.FromResult(Freezer.WithheldCalls(key) > 0),
                TimeSpan.FromSeconds(15),
                "no primary sent the emptied node anything it could catch up from"
            );
            await Eventually.HoldsAsync(
                async () =>
                    (await group.GetStatusAsync()) is var s
                    && s.Nodes[lagging] is { Role: NodeRole.Replica, CaughtUp: false } n
                    && n.Incarnation != status.Nodes[lagging].Incarnation
                    && n.Problem is not null
                    && n.Problem.Contains("catching up", StringComparison.Ordinal),
                TimeSpan.FromSeconds(15),
                async () => Describe(await group.GetStatusAsync())
            );

            // The coordinator's record comes from its sweep, which runs every second.
            await Eventually.HoldsAsync(async () => (await group.GetStatusAsync()).UnderReplicatedSince is not null,
                TimeSpan.FromSeconds(5), async () => Describe(await group.GetStatusAsync()));
            var during = await group.GetStatusAsync();
            Assert.False(during.Nodes[lagging].Healthy, during.Nodes[lagging].ToString());
            Assert.False(during.Nodes[lagging].CaughtUp, during.Nodes[lagging].ToString());
            Assert.DoesNotContain(during.HealthyReplicas(TimeSpan.FromMinutes(1)), n => n.NodeIndex == lagging);
            Assert.Contains($"node {lagging} catching up", during.Repair, StringComparison.Ordinal);

            for (var i = 0; i < 60; i++)
            {
                var read = await group.GetAsync(
                    $"k{i}",
                    new ReadOptions { Consistency = ReadConsistency.Eventual, Timeout = TimeSpan.FromSeconds(5) }
                );
                Assert.NotEqual(lagging, read.NodeIndex);
                Assert.Equal($"v{i}", read.ValueAsString);
            }
        }
        finally
        {
            Freezer.Feed(key);
        }

        await Eventually.HoldsAsync(
            async () =>
                (await group.GetStatusAsync()) is { UnderReplicatedSince: null } s
                && s.Nodes.All(n => n.CaughtUp && n.Healthy),
            TimeSpan.FromSeconds(15),
            async () => Describe(await group.GetStatusAsync())
        );
    }

    [Fact]
    public async Task AReplicaMovedBesideAnotherCarriesItsDataAndIsSpreadAgainWithIt()
    {
        const string name = "heal-move";
        await using var cluster = await IsolatedCluster.StartAsync(3);
        var group = cluster.Store.Group(name);
        for (var i = 0; i < 200; i++)
        {
            await group.PutAsync($"k{i}", $"v{i}", Patient);
        }

        var before = await group.GetStatusAsync();
        var mover = before.Nodes.First(n => n.NodeIndex != before.PrimaryIndex);
        var primarySilo = cluster
            .Cluster.Silos.Single(s => s.SiloAddress.ToString() == before.Nodes[before.PrimaryIndex].Silo)
            .SiloAddress;

        // Onto the primary's silo: the node arrives with its data, under the same incarnation, still caught up.
        await cluster
            .Grains.GetGrain<IReplicaNodeGrain>(GroupNames.NodeKey(name, mover.NodeIndex))
            .RelocateAsync(primarySilo);
        await Eventually.HoldsAsync(
            async () =>
                (await group.GetStatusAsync()).Nodes[mover.NodeIndex] is var n && n.Silo == primarySilo.ToString(),
            TimeSpan.FromSeconds(10),
            async () => Describe(await group.GetStatusAsync())
        );
        var moved = (await group.GetStatusAsync()).Nodes[mover.NodeIndex];
        Assert.Equal(mover.Incarnation, moved.Incarnation);
        Assert.True(moved.CaughtUp, moved.ToString());
        Assert.True(
            moved.AppliedIndex >= mover.AppliedIndex,
            $"moved with applied {moved.AppliedIndex}, had {mover.AppliedIndex}"
        );
        Assert.Equal(mover.KeyCount, moved.KeyCount);

        // Two nodes now share a silo while one silo holds none: the coordinator spreads them again, data and all.
        await Eventually.HoldsAsync(
            async () =>
                (await group.GetStatusAsync()) is var s
                && s.Nodes.Select(n => n.Silo).Distinct().Count() == 3
                && s.UnderReplicatedSince is null,
            TimeSpan.FromSeconds(20),
            async () => Describe(await group.GetStatusAsync())
        );
        var spread = (await group.GetStatusAsync()).Nodes[mover.NodeIndex];
        Assert.Equal(mover.Incarnation, spread.Incarnation);
        var reply = await cluster.Grains.GetGrain<IReplicaNodeGrain>(GroupNames.NodeKey(name, mover.NodeIndex))
            .ReadAsync(new ReadRequest("k7", ReadConsistency.Eventual, 0, TimeSpan.Zero));
        Assert.Equal("v7", reply.Found ? System.Text.Encoding.UTF8.GetString(reply.Value!) : null);
    }

    [Fact]
    public async Task TheLastPrimaryAloneIsPromotedWhenNoMajorityAnswersBecauseItHoldsEveryAcknowledgedWrite()
    {
        const string name = "heal-survivor";
        await using var cluster = await IsolatedCluster.StartAsync(3);
        var group = cluster.Store.Group(name);
        for (var i = 0; i < 50; i++)
        {
            await group.PutAsync($"k{i}", $"v{i}", Patient);
        }

        var status = await group.GetStatusAsync();
        var keys = Enumerable.Range(0, 3).Select(i => GroupNames.NodeKey(name, i)).ToArray();
        var primaryKey = keys[status.PrimaryIndex];
        foreach (var key in keys)
        {
            Freezer.Freeze(key);
        }

        try
        {
            // Every node is frozen: the coordinator's checks fail, and its election finds no majority.
            await Eventually.HoldsAsync(
                async () => await cluster.Coordinator(name).GetRouteAsync() is { HasPrimary: false },
                TimeSpan.FromSeconds(15),
                "the group kept its primary although every node was frozen"
            );

            // Only the primary comes back: alone it is no majority, but it is the last primary, in the same activation.
            Freezer.Thaw(primaryKey);
            await Eventually.HoldsAsync(
                async () =>
                    await cluster.Coordinator(name).GetRouteAsync() is { HasPrimary: true } r
                    && r.PrimaryIndex == status.PrimaryIndex,
                TimeSpan.FromSeconds(20),
                async () => (await cluster.Coordinator(name).GetRouteAsync()).ToString()
            );
        }
        finally
        {
            foreach (var key in keys)
            {
                Freezer.Thaw(key);
            }
        }

        // It re-seeds the others, and nothing acknowledged is lost.
        await group.PutAsync("after", "yes", Patient);
        for (var i = 0; i < 50; i += 7)
        {
            Assert.Equal(
                $"v{i}",
                (
                    await group.GetAsync(
                        $"k{i}",
                        new ReadOptions { Consistency = ReadConsistency.Strong, Timeout = TimeSpan.FromSeconds(15) }
                    )
                ).ValueAsString
            );
        }
    }

    [Fact]
    public async Task AGroupWithoutAMajorityBacksOffRefusesRecoveryWithoutAcceptLossAndRecoversWithIt()
    {
        const string name = "heal-recover";
        await using var cluster = await IsolatedCluster.StartAsync(3);
        var group = cluster.Store.Group(name);
        for (var i = 0; i < 50; i++)
        {
            await group.PutAsync($"k{i}", $"v{i}", Patient);
        }

        var status = await group.GetStatusAsync();
        var survivor = status.Nodes.First(n => n.NodeIndex != status.PrimaryIndex).NodeIndex;
        var frozen = Enumerable
            .Range(0, 3)
            .Where(i => i != survivor)
            .Select(i => GroupNames.NodeKey(name, i))
            .ToArray();
        foreach (var key in frozen)
        {
            Freezer.Freeze(key);
        }

        try
        {
            var coordinator = cluster.Coordinator(name);
            await Eventually.HoldsAsync(async () => await coordinator.GetRouteAsync() is { HasPrimary: false },
                TimeSpan.FromSeconds(15), "the group kept its primary although it was frozen");

            // Without a majority the coordinator tries again less and less often (1, 2, 4, 8 s), and says when next.
            var first = await coordinator.GetRouteAsync();
            await Eventually.HoldsAsync(
                async () =>
                    (await group.GetStatusAsync()) is { PrimaryIndex: -1, NextElection: { } next }
                    && next - DateTimeOffset.UtcNow > TimeSpan.FromSeconds(3),
                TimeSpan.FromSeconds(20),
                async () => $"next election {(await group.GetStatusAsync()).NextElection} at {DateTimeOffset.UtcNow}"
            );
            var elections = (await coordinator.GetRouteAsync()).Epoch - first.Epoch;
            Assert.True(elections <= 4, $"{elections} elections before the back-off reached 4 s");

            // The survivor is a replica: it may lack writes the frozen nodes acknowledged. Recovery refuses without
            // accept-loss and promotes nothing.
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() =>
                group.RecoverAsync(acceptLoss: false)
            );
            Assert.Contains("accept-loss", refused.Message, StringComparison.Ordinal);
            Assert.False((await coordinator.GetRouteAsync()).HasPrimary);

            var recovered = await group.RecoverAsync(acceptLoss: true);
            Assert.True(recovered.MayHaveLostWrites);
            Assert.Equal(survivor, recovered.Promoted);
            Assert.True(recovered.Route.HasPrimary);
            Assert.Contains("lost", recovered.Message, StringComparison.Ordinal);
            Assert.Equal(survivor, (await coordinator.GetRouteAsync()).PrimaryIndex);

            // A group with a primary has nothing to recover.
            await Assert.ThrowsAsync<InvalidOperationException>(() => group.RecoverAsync(acceptLoss: true));
        }
        finally
        {
            foreach (var key in frozen)
            {
                Freezer.Thaw(key);
            }
        }

        // With the others back, the group takes writes again under the promoted node.
        var w = await group.PutAsync("after", "yes", Patient);
        Assert.True(w.Epoch > status.Epoch);
        Assert.Equal(
            "yes",
            (
                await group.GetAsync(
                    "after",
                    new ReadOptions { Consistency = ReadConsistency.Strong, Timeout = TimeSpan.FromSeconds(15) }
                )
            ).ValueAsString
        );
    }

    private static string Describe(GroupStatus s) =>
        $"epoch {s.Epoch}, primary {s.PrimaryIndex} ({s.Problem}), under-replicated since {s.UnderReplicatedSince}: " +
        $"{s.Repair}; "
        + string.Join(
            "; ",
            s.Nodes.Select(n =>
                $"{n.NodeIndex} {n.Role} e{n.Epoch} on {n.Silo} applied {n.AppliedIndex} caught-up {n.CaughtUp} " +
                $"healthy {n.Healthy} {n.Problem}"
            )
        );
}
