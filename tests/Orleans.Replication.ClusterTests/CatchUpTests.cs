using Orleans.Replication.Client;
using Orleans.Replication.Protocol;
using Xunit;

namespace Orleans.Replication.ClusterTests;

[Collection("cluster")]
public sealed class CatchUpTests(ClusterFixture fixture)
{
    [Fact]
    public async Task EmptiedReplicaCatchesUpFromASnapshotWhileWritesContinue()
    {
        const string name = "catchup-snapshot";
        var group = fixture.Store.Group(name);
        for (var i = 0; i < 300; i++)
        {
            await group.PutAsync($"k{i}", $"v{i}");
        }

        var replica = fixture.Node(name, 2);
        // A majority does not need this replica: give it the time to apply what it was sent before it is emptied.
        await Eventually.HoldsAsync(
            async () => (await replica.GetStatusAsync()).AppliedIndex >= 250,
            TimeSpan.FromSeconds(10),
            async () => $"replica applied only {(await replica.GetStatusAsync()).AppliedIndex}"
        );
        var before = await replica.GetStatusAsync();

        // The replica loses its state, as when its silo dies and it is activated again: a new incarnation, empty.
        await fixture.Cluster.DeactivateAsync(replica);

        using var stop = new CancellationTokenSource();
        var written = 0;
        var writer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await group.PutAsync($"live{written % 40}", $"w{written}");
                written++;
            }
        });

        try
        {
            await Eventually.HoldsAsync(
                async () =>
                {
                    var s = await replica.GetStatusAsync();
                    return s.Incarnation != before.Incarnation
                        && s.AppliedIndex > before.AppliedIndex + 50
                        && written > 100;
                },
                TimeSpan.FromSeconds(30),
                async () => $"replica status {await replica.GetStatusAsync()}, {written} writes during catch-up"
            );
        }
        finally
        {
            stop.Cancel();
            await writer;
        }

        Assert.True(
            await fixture.Faults(name, 2).GetSnapshotsInstalledAsync() >= 1,
            "the emptied replica did not catch up through a snapshot"
        );
        var last = (await group.PutAsync("final", "x")).Version;
        await Eventually.HoldsAsync(
            async () => (await replica.GetStatusAsync()).AppliedIndex >= last,
            TimeSpan.FromSeconds(10),
            "replica did not reach the last write"
        );
        for (var i = 0; i < 300; i += 7)
        {
            var reply = await replica.ReadAsync(new ReadRequest($"k{i}", ReadConsistency.Eventual, 0, TimeSpan.Zero));
            Assert.Equal($"v{i}", reply.Found ? System.Text.Encoding.UTF8.GetString(reply.Value!) : null);
        }

        var live = await replica.ReadAsync(new ReadRequest("final", ReadConsistency.Eventual, 0, TimeSpan.Zero));
        Assert.True(live.Found);
    }

    [Fact]
    public async Task ANodeThatCaughtUpFromASnapshotStillAppliesARetriedWriteOnceAfterItIsPromoted()
    {
        const string name = "catchup-dedup";
        var group = fixture.Store.Group(name);
        var route = await group.GetRouteAsync(refresh: true);
        var writeId = Guid.NewGuid();
        var original = await fixture
            .Node(name, route.PrimaryIndex)
            .WriteAsync(
                new WriteCommand(
                    "once",
                    LogOperation.Put,
                    "first"u8.ToArray(),
                    null,
                    writeId,
                    WriteConcern.Majority,
                    TimeSpan.FromSeconds(10)
                )
            );
        Assert.Equal(WriteStatus.Ok, original.Status);

        // Enough writes behind it that the log no longer holds its entry: only a snapshot can bring it to a new node.
        for (var i = 0; i < 200; i++)
        {
            await group.PutAsync($"k{i}", $"v{i}");
        }

        var target = (route.PrimaryIndex + 1) % 3;
        var replica = fixture.Node(name, target);
        var emptied = (await replica.GetStatusAsync()).Incarnation;
        await fixture.Cluster.DeactivateAsync(replica);
        var last = (await group.PutAsync("last", "x")).Version;
        await Eventually.HoldsAsync(
            async () =>
                (await replica.GetStatusAsync()) is { CaughtUp: true } s
                && s.Incarnation != emptied
                && s.AppliedIndex >= last,
            TimeSpan.FromSeconds(20),
            async () => $"node {target}: {await replica.GetStatusAsync()}"
        );
        Assert.True(
            await fixture.Faults(name, target).GetSnapshotsInstalledAsync() >= 1,
            "the node did not catch up through a snapshot"
        );

        // The node that knows the write only from the snapshot leads; the retry of the write, under its id, is not
        // applied again.
        var led = await group.SwitchoverAsync(target);
        Assert.Equal(target, led.PrimaryIndex);
        var retry = await fixture
            .Node(name, target)
            .WriteAsync(
                new WriteCommand(
                    "once",
                    LogOperation.Put,
                    "retried"u8.ToArray(),
                    null,
                    writeId,
                    WriteConcern.Majority,
                    TimeSpan.FromSeconds(10)
                )
            );
        Assert.Equal(WriteStatus.Ok, retry.Status);
        Assert.Equal(original.Index, retry.Index);
        Assert.Equal(
            "first",
            (await group.GetAsync("once", new ReadOptions { Consistency = ReadConsistency.Strong })).ValueAsString
        );
    }

    [Fact]
    public async Task ReplicaHeldBackCatchesUpFromTheLogAfterRelease()
    {
        const string name = "catchup-log";
        var group = fixture.Store.Group(name);
        await group.PutAsync("warm", "up");
        await fixture.Faults(name, 2).HoldReplicationAsync();
        long last = 0;
        try
        {
            for (var i = 0; i < 30; i++)
            {
                last = (await group.PutAsync($"k{i}", $"v{i}")).Version;
            }
        }
        finally
        {
            await fixture.Faults(name, 2).ReleaseReplicationAsync();
        }

        await Eventually.HoldsAsync(async () => (await fixture.Node(name, 2).GetStatusAsync()).AppliedIndex >= last,
            TimeSpan.FromSeconds(10), "held replica did not catch up after release");
        Assert.Equal(0, await fixture.Faults(name, 2).GetSnapshotsInstalledAsync());
    }
}
