using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Orleans.Replication.Client;
using Orleans.Replication.LoadBalancing;
using Xunit;

namespace Orleans.Replication.ClusterTests;

/// <summary>The group's load balancer: nodes leave and rejoin the read rotation; lag figures; metrics.</summary>
[Collection("cluster")]
public sealed class LoadBalancingTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    private static async Task<string> DescribeAsync(IReplicatedGroup group) =>
        string.Join(
            "; ",
            (await group.GetRoutingAsync()).Nodes.Select(n =>
                $"{n.NodeIndex}:{(n.InRotation ? "in" : "out: " + n.OutReason)} lag {n.LagEntries}/{n.LagMs:0}"
            )
        );

    private static async Task<HashSet<int>> ServersAsync(IReplicatedGroup group, int reads)
    {
        var nodes = new HashSet<int>();
        for (var i = 0; i < reads; i++)
        {
            nodes.Add((await group.GetAsync("k", ReadConsistency.Eventual)).NodeIndex);
        }

        return nodes;
    }

    [Fact]
    public async Task AReplicaHeldBackPastTheLagBoundLeavesTheRotationThenReturns()
    {
        const string name = "lb-lag";
        var group = fixture.Store.Group(name);
        await group.PutAsync("k", "old");
        await group.SetReadPolicyAsync(
            ReadRoutingPolicy.Default with
            {
                Strategy = LoadBalancingStrategy.RoundRobin,
                MaxReadLag = TimeSpan.FromMilliseconds(400),
            }
        );
        await Eventually.HoldsAsync(
            async () => (await ServersAsync(group, 12)).Count == 3,
            Deadline,
            async () => "reads were not spread over the three nodes: " + await DescribeAsync(group)
        );

        var lagEntries = new ConcurrentDictionary<string, long>();
        var counted = new ConcurrentDictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Orleans.Replication")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (!tags.ToArray().Any(t => t is { Key: "group", Value: name }))
            {
                return;
            }

            if (instrument.Name == "replication.lag.entries")
            {
                lagEntries[tags.ToArray().Single(t => t.Key == "node").Value!.ToString()!] = value;
            }
            else
            {
                counted.AddOrUpdate(instrument.Name, value, (_, v) => v + value);
            }
        });
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "replication.commit.duration"
                && tags.ToArray().Any(t => t is { Key: "group", Value: name }))
            {
                counted.AddOrUpdate(instrument.Name, 1, (_, v) => v + 1);
            }
        });
        listener.Start();

        var primary = (await group.GetStatusAsync()).PrimaryIndex;
        var held = (primary + 2) % 3;
        await fixture.Faults(name, held).HoldReplicationAsync();
        try
        {
            var written = new List<WriteResult>();
            for (var i = 0; i < 5; i++)
            {
                written.Add(await group.PutAsync("k", $"new{i}"));
            }

            await Eventually.HoldsAsync(
                async () =>
                    (await group.GetRoutingAsync()).Nodes[held] is { InRotation: false, OutReason: { } why }
                    && why.Contains("lag"),
                Deadline,
                async () => "the held replica stayed in rotation: " + await DescribeAsync(group)
            );

            // Lag figures: at least the five writes it lacks, and older than the first of them.
            var status = await group.GetStatusAsync();
            var lagging = status.Nodes[held];
            Assert.True(lagging.LagEntries >= 5, $"held replica lag {lagging.LagEntries} entries; it lacks 5 writes");
            Assert.True(lagging.LagMs >= 400, $"held replica lag {lagging.LagMs} ms");
            Assert.Contains(status.Nodes[primary].Replicas!, r => r.NodeIndex == held && r.LagEntries >= 5);
            var healthy = status.HealthyReplicas(TimeSpan.FromMilliseconds(400)).Select(n => n.NodeIndex).ToList();
            Assert.DoesNotContain(held, healthy);
            Assert.Contains(3 - primary - held, healthy);
            await Eventually.HoldsAsync(
                () =>
                {
                    listener.RecordObservableInstruments();
                    return Task.FromResult(lagEntries.TryGetValue(held.ToString(), out var v) && v >= 5);
                },
                Deadline,
                () => Task.FromResult("lag gauge: " + string.Join(", ", lagEntries.Select(p => $"{p.Key}={p.Value}")))
            );
            Assert.True(
                counted.GetValueOrDefault("replication.writes") >= 5,
                "writes counted: " + counted.GetValueOrDefault("replication.writes")
            );
            Assert.True(
                counted.GetValueOrDefault("replication.commit.duration") >= 5,
                "commit latencies recorded: " + counted.GetValueOrDefault("replication.commit.duration")
            );

            // Once the client's snapshot has it out, no read goes there, however many.
            await Eventually.HoldsAsync(
                async () => !(await ServersAsync(group, 12)).Contains(held),
                Deadline,
                "reads still reached the held replica"
            );
            var readsBefore = counted.GetValueOrDefault("replication.reads");
            Assert.DoesNotContain(held, await ServersAsync(group, 30));
            Assert.True(
                counted.GetValueOrDefault("replication.reads") - readsBefore >= 30,
                "reads counted: " + (counted.GetValueOrDefault("replication.reads") - readsBefore)
            );
        }
        finally
        {
            await fixture.Faults(name, held).ReleaseReplicationAsync();
        }

        await Eventually.HoldsAsync(
            async () => (await group.GetRoutingAsync()).Nodes[held].InRotation,
            Deadline,
            async () => "the released replica did not return: " + await DescribeAsync(group)
        );
        await Eventually.HoldsAsync(
            async () => (await ServersAsync(group, 12)).Contains(held),
            Deadline,
            "no read reached the released replica again"
        );
    }

    [Fact]
    public async Task WithEveryReplicaOutOfRotationReadsGoToThePrimary()
    {
        const string name = "lb-fallback";
        var group = fixture.Store.Group(name);
        await group.PutAsync("k", "v0");
        await group.SetReadPolicyAsync(ReadRoutingPolicy.Default with { MaxReadLag = TimeSpan.FromMilliseconds(300) });
        var primary = (await group.GetStatusAsync()).PrimaryIndex;
        var replicas = Enumerable.Range(0, 3).Where(i => i != primary).ToArray();
        foreach (var r in replicas)
        {
            await fixture.Faults(name, r).HoldReplicationAsync();
        }

        try
        {
            await group.PutAsync("k", "v1", new WriteOptions { Concern = WriteConcern.WaitForReplicas(0) });
            await Eventually.HoldsAsync(
                async () => (await group.GetRoutingAsync()).Nodes.Count(n => !n.InRotation) == 2,
                Deadline,
                async () => "the held replicas stayed in rotation: " + await DescribeAsync(group)
            );
            await Eventually.HoldsAsync(
                async () => (await ServersAsync(group, 10)).SetEquals([primary]),
                Deadline,
                async () => "reads still reached a held replica: " + await DescribeAsync(group)
            );
        }
        finally
        {
            foreach (var r in replicas)
            {
                await fixture.Faults(name, r).ReleaseReplicationAsync();
            }
        }
    }

    [Fact]
    public async Task AnInvalidReadPolicyIsRefusedAndChangesNothing()
    {
        var group = fixture.Store.Group("lb-policy");
        var before = (await group.GetRoutingAsync()).Policy;

        await Assert.ThrowsAsync<ArgumentException>(() =>
            group.SetReadPolicyAsync(before with { MaxInFlightPerNode = 0 })
        );
        await Assert.ThrowsAsync<ArgumentException>(() =>
            fixture
                .Grains.GetGrain<ILoadBalancerGrain>("lb-policy")
                .SetPolicyAsync(before with { MaxReadLag = TimeSpan.FromSeconds(-1) })
        );
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            group.GetAsync(
                "k",
                new ReadOptions { Consistency = ReadConsistency.Eventual, Strategy = (LoadBalancingStrategy)42 }
            )
        );

        Assert.Equal(before, (await group.GetRoutingAsync()).Policy);
        var changed = await group.SetReadPolicyAsync(
            before with
            {
                Strategy = LoadBalancingStrategy.PowerOfTwoChoices,
            }
        );
        Assert.Equal(LoadBalancingStrategy.PowerOfTwoChoices, changed.Policy.Strategy);
    }

    [Fact]
    public async Task AWriteWhoseAcknowledgementIsLostIsAppliedOnceWhenRetried()
    {
        const string name = "lb-lost-ack";
        var group = fixture.Store.Group(name);
        await group.PutAsync("warm", "up");
        var primary = (await group.GetStatusAsync()).PrimaryIndex;
        var replicas = Enumerable.Range(0, 3).Where(i => i != primary).ToArray();
        var id = Guid.NewGuid();

        // No replica confirms: the caller hears "outcome unknown", though the primary holds the write.
        foreach (var r in replicas)
        {
            await fixture.Faults(name, r).HoldReplicationAsync();
        }

        WriteConcernTimeoutException lost;
        try
        {
            lost = await Assert.ThrowsAsync<WriteConcernTimeoutException>(() =>
                group.PutAsync("k", "once", new WriteOptions { WriteId = id, Timeout = TimeSpan.FromMilliseconds(300) })
            );
        }
        finally
        {
            foreach (var r in replicas)
            {
                await fixture.Faults(name, r).ReleaseReplicationAsync();
            }
        }

        Assert.Equal(id, lost.WriteId);
        var retried = await group.PutAsync("k", "once", new WriteOptions { WriteId = id });
        var again = await group.PutAsync("k", "once", new WriteOptions { WriteId = id });

        Assert.Equal(lost.Index, retried.Version);
        Assert.Equal(lost.Index, again.Version);
        var status = await group.GetStatusAsync();
        Assert.Equal(lost.Index, status.Nodes[primary].LastIndex); // one entry for the write, however often it was sent
        Assert.Equal(lost.Index, (await group.GetAsync("k", ReadConsistency.Strong)).Version);
    }
}
