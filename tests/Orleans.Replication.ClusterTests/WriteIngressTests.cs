using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Messaging;
using Orleans.Replication.Client;
using Orleans.Replication.Protocol;
using Xunit;

namespace Orleans.Replication.ClusterTests;

[Collection("cluster")]
public sealed class WriteIngressTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private static readonly ReadOptions Strong = new() { Consistency = ReadConsistency.Strong };

    [Fact]
    public async Task TheClientsGatewayList_NamesEverySilosGatewayAddress()
    {
        var listed = (await ClientGatewayList().GetGateways()).Select(u => $"{u.Host}:{u.Port}").Order().ToArray();
        var silos = fixture
            .Cluster.Silos.Select(s => $"{s.GatewayAddress.Endpoint.Address}:{s.GatewayAddress.Endpoint.Port}")
            .Order()
            .ToArray();

        Assert.Equal(3, silos.Length);
        Assert.Equal(silos, listed);
    }

    [Fact]
    public async Task WritesGoToTheIngressOfThePrimarysSilo_AndAreApplied()
    {
        const string name = "ingress-direct";
        using var counter = new IngressBatchCounter(name);
        var group = (ReplicatedGroup)fixture.Store.Group(name);
        await group.PutAsync("warm", "up");
        var primary = (await group.GetRouteAsync()).PrimaryIndex;

        await Eventually.WritesGoDirectAsync(group, primary, Deadline);
        Assert.All(Enumerable.Range(0, ReplicationLimits.MaxNodeCount).Where(i => i != primary), i =>
            Assert.False(group.WritesGoDirect(i))
        );

        // The ingress the client uses is the one on the gateway of the silo that hosts the primary.
        var status = await group.GetStatusAsync();
        var primarySilo = fixture.Cluster.Silos.Single(s => s.SiloAddress.ToString() == status.Nodes[primary].Silo);
        var address = await fixture.Node(name, primary).GetWriteIngressAsync();
        Assert.NotNull(address);
        Assert.Equal(primarySilo.GatewayAddress.Endpoint.Port, address.GatewayPort);
        Assert.Equal(primarySilo.GatewayAddress.Endpoint.Address.ToString(), address.GatewayHost);

        // One after another: each write is a batch of its own through the ingress.
        var before = counter.Count;
        for (var i = 0; i < 20; i++)
        {
            await group.PutAsync($"s{i}", $"serial-{i}");
        }

        Assert.Equal(before + 20, counter.Count);

        // Together: they share batches, still through the ingress.
        before = counter.Count;
        var together = await Task.WhenAll(
            Enumerable.Range(0, 100).Select(i => group.PutAsync($"c{i}", $"concurrent-{i}"))
        );
        Assert.InRange(counter.Count - before, 1, 100);
        Assert.Equal(100, together.Select(w => w.Version).Distinct().Count());
        Assert.True(group.WritesGoDirect(primary), "a write through the ingress failed, so the client dropped it");

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal($"serial-{i}", (await group.GetAsync($"s{i}", Strong)).ValueAsString);
        }

        for (var i = 0; i < 100; i++)
        {
            Assert.Equal($"concurrent-{i}", (await group.GetAsync($"c{i}", Strong)).ValueAsString);
        }
    }

    [Fact]
    public async Task TheIngressOfAnotherSilo_ForwardsToThePrimary_AndRejectsBadInputWritingNothing()
    {
        const string name = "ingress-forward";
        var group = fixture.Store.Group(name);
        await group.PutAsync("warm", "up");
        var status = await group.GetStatusAsync();
        var primary = status.PrimaryIndex;
        var elsewhere = status.Nodes.First(n => n.Silo != status.Nodes[primary].Silo).NodeIndex;
        var address = await fixture.Node(name, elsewhere).GetWriteIngressAsync();
        var primaryAddress = await fixture.Node(name, primary).GetWriteIngressAsync();
        Assert.NotNull(address);
        Assert.NotNull(primaryAddress);
        Assert.NotEqual(primaryAddress.GatewayPort, address.GatewayPort);
        var ingress = fixture.Grains.GetGrain<IWriteIngress>(address.Ingress);

        var commands = new[] { Put("f1", "one"), Put("f2", "two") };
        var replies = await ingress.WriteBatchAsync(name, primary, commands);

        Assert.Equal(2, replies.Length);
        Assert.All(replies, r => Assert.Equal(WriteStatus.Ok, r.Status));
        Assert.Equal(replies[0].Index + 1, replies[1].Index);
        Assert.Equal("one", (await group.GetAsync("f1", Strong)).ValueAsString);
        Assert.Equal("two", (await group.GetAsync("f2", Strong)).ValueAsString);

        // The same write again (same id) is deduplicated by the primary, not applied twice.
        var again = await ingress.WriteBatchAsync(name, primary, [commands[0]]);
        Assert.Equal(replies[0].Index, Assert.Single(again).Index);

        using var counter = new IngressBatchCounter(name);
        var lastBefore = (await fixture.Node(name, primary).GetStatusAsync()).LastIndex;
        var bad = Put("bad", "never");
        await AssertRejectedAsync<ArgumentException>(() => ingress.WriteBatchAsync("no/such group", primary, [bad]));
        await AssertRejectedAsync<ArgumentException>(() => ingress.WriteBatchAsync("", primary, [bad]));
        await AssertRejectedAsync<ArgumentException>(() => ingress.WriteBatchAsync(null!, primary, [bad]));
        await AssertRejectedAsync<ArgumentOutOfRangeException>(() => ingress.WriteBatchAsync(name, -1, [bad]));
        await AssertRejectedAsync<ArgumentOutOfRangeException>(() =>
            ingress.WriteBatchAsync(name, ReplicationLimits.MaxNodeCount, [bad])
        );
        await AssertRejectedAsync<ArgumentNullException>(() => ingress.WriteBatchAsync(name, primary, null!));

        Assert.Equal(lastBefore, (await fixture.Node(name, primary).GetStatusAsync()).LastIndex);
        Assert.False((await group.GetAsync("bad", Strong)).Found);
        Assert.Equal(0, counter.Count);
    }

    [Fact]
    public async Task ABatchWaitingForItsConcern_DoesNotHoldUpAnotherBatchThroughTheSameIngress()
    {
        const string name = "ingress-interleave";
        var group = fixture.Store.Group(name);
        await group.PutAsync("warm", "up");
        var primary = (await group.GetRouteAsync()).PrimaryIndex;
        var address = await fixture.Node(name, primary).GetWriteIngressAsync();
        Assert.NotNull(address);
        var ingress = fixture.Grains.GetGrain<IWriteIngress>(address.Ingress);
        var replicas = Enumerable.Range(0, 3).Where(i => i != primary).ToArray();
        foreach (var replica in replicas)
        {
            await fixture.Faults(name, replica).HoldReplicationAsync();
        }

        Task<WriteReply[]> waiting;
        try
        {
            waiting = ingress.WriteBatchAsync(name, primary, [Put("majority", "waits", TimeSpan.FromSeconds(4))]);
            var quick = await ingress
                .WriteBatchAsync(
                    name,
                    primary,
                    [Put("async", "at once", TimeSpan.FromSeconds(4), WriteConcern.WaitForReplicas(0))]
                )
                .WaitAsync(TimeSpan.FromSeconds(2));

            Assert.Equal(WriteStatus.Ok, Assert.Single(quick).Status);
            Assert.False(
                waiting.IsCompleted,
                "the write waiting for a majority was answered while replication was held"
            );
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await fixture.Faults(name, replica).ReleaseReplicationAsync();
            }
        }

        Assert.Equal(WriteStatus.Ok, Assert.Single(await waiting.WaitAsync(TimeSpan.FromSeconds(6))).Status);
        Assert.Equal("waits", (await group.GetAsync("majority", Strong)).ValueAsString);
        Assert.Equal("at once", (await group.GetAsync("async", Strong)).ValueAsString);
    }

    [Fact]
    public async Task WithDirectWritesOff_WritesGoToTheNodeGrain_AndStillWork()
    {
        const string name = "ingress-off";
        var gateways = new ClientGateways(ClientGatewayList());
        var off = new ReplicatedGroup(
            name,
            fixture.Grains,
            new ReplicationClientOptions { DirectWrites = false },
            TimeProvider.System,
            gateways
        );
        var on = new ReplicatedGroup(
            name,
            fixture.Grains,
            new ReplicationClientOptions(),
            TimeProvider.System,
            gateways
        );
        await off.PutAsync("a", "from the client with direct writes off");
        await on.PutAsync("b", "from the client with direct writes on");
        var primary = (await off.GetRouteAsync()).PrimaryIndex;

        // Built the same way, the client with direct writes on finds the ingress: the other one has had the same
        // chance.
        await Eventually.HoldsAsync(
            () => Task.FromResult(on.WritesGoDirect(primary)),
            Deadline,
            "the client with direct writes on never found the ingress"
        );
        using var counter = new IngressBatchCounter(name);
        for (var i = 0; i < 20; i++)
        {
            await off.PutAsync($"k{i}", $"v{i}");
        }

        Assert.All(Enumerable.Range(0, ReplicationLimits.MaxNodeCount), i => Assert.False(off.WritesGoDirect(i)));
        Assert.Equal(0, counter.Count);
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal($"v{i}", (await off.GetAsync($"k{i}", Strong)).ValueAsString);
        }

        Assert.Equal("from the client with direct writes on", (await off.GetAsync("b", Strong)).ValueAsString);
    }

    private IGatewayListProvider ClientGatewayList() =>
        fixture.Cluster.Client.ServiceProvider.GetRequiredService<IGatewayListProvider>();

    private static WriteCommand Put(string key, string value, TimeSpan? timeout = null, WriteConcern? concern = null) =>
        new(
            key,
            LogOperation.Put,
            Encoding.UTF8.GetBytes(value),
            null,
            Guid.NewGuid(),
            concern ?? WriteConcern.Majority,
            timeout ?? TimeSpan.FromSeconds(5)
        );

    private static async Task AssertRejectedAsync<T>(Func<Task> call)
        where T : ArgumentException
    {
        var error = await Assert.ThrowsAnyAsync<ArgumentException>(call);
        Assert.IsAssignableFrom<T>(error);
    }
}

public sealed class WriteIngressFailoverTests
{
    private static readonly WriteOptions Patient = new() { Timeout = TimeSpan.FromSeconds(15) };

    [Fact]
    public async Task WritesKeepGoingAcrossTheLossOfThePrimarysSilo_AndThenGoDirectToTheNewPrimary()
    {
        await using var cluster = await IsolatedCluster.StartAsync(3);
        const string name = "ingress-failover";
        using var counter = new IngressBatchCounter(name);
        var group = (ReplicatedGroup)cluster.Store.Group(name);
        await group.PutAsync("warm", "up", Patient);
        var before = await group.GetStatusAsync();
        await Eventually.HoldsAsync(
            () => Task.FromResult(group.WritesGoDirect(before.PrimaryIndex)),
            TimeSpan.FromSeconds(10),
            "writes never went direct before the failure"
        );

        using var stop = new CancellationTokenSource();
        var acked = new List<(string Key, string Value)>();
        int Acked()
        {
            lock (acked)
            {
                return acked.Count;
            }
        }

        var writer = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                await group.PutAsync($"w{i}", $"w-{i}", Patient);
                lock (acked)
                {
                    acked.Add(($"w{i}", $"w-{i}"));
                }
            }
        });

        await Eventually.HoldsAsync(
            () => Task.FromResult(Acked() > 20),
            TimeSpan.FromSeconds(10),
            "the writer did not start"
        );
        Assert.True(counter.Count >= 20, $"only {counter.Count} batches went through an ingress before the failure");
        await cluster.Cluster.KillSiloAsync(await cluster.SiloOfNodeAsync(name, before.PrimaryIndex));
        var atKill = Acked();

        await Eventually.HoldsAsync(
            async () => (await group.GetRouteAsync()).Epoch > before.Epoch && Acked() > atKill + 30,
            TimeSpan.FromSeconds(15),
            () => Task.FromResult($"{Acked() - atKill} writes acknowledged after the kill")
        );
        var after = await group.GetRouteAsync();
        Assert.NotEqual(before.PrimaryIndex, after.PrimaryIndex);
        await Eventually.HoldsAsync(
            () => Task.FromResult(group.WritesGoDirect(after.PrimaryIndex)),
            TimeSpan.FromSeconds(10),
            $"writes never went direct to the new primary {after.PrimaryIndex}"
        );

        // Writes now pass through the new primary's ingress.
        var batches = counter.Count;
        var acknowledged = Acked();
        await Eventually.HoldsAsync(
            () => Task.FromResult(Acked() > acknowledged + 20),
            TimeSpan.FromSeconds(10),
            "writes stopped after the failover"
        );
        await stop.CancelAsync();
        await writer; // every write of the writer was acknowledged: none failed across the failover
        Assert.True(
            counter.Count >= batches + 20,
            $"{counter.Count - batches} batches went through an ingress after the failover"
        );

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
}
