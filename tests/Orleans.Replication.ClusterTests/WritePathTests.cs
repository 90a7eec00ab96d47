using System.Text;
using Orleans.Replication.Client;
using Orleans.Replication.Protocol;
using Xunit;

namespace Orleans.Replication.ClusterTests;

[Collection("cluster")]
public sealed class WritePathTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task WritesReachEveryReplicaOnDistinctSilos()
    {
        var group = fixture.Store.Group("wp-reach");
        var last = 0L;
        for (var i = 0; i < 30; i++)
        {
            last = (await group.PutAsync($"k{i}", $"v{i}")).Version;
        }

        await Eventually.AppliedEverywhereAsync(group, last, Deadline);

        for (var node = 0; node < 3; node++)
        {
            for (var i = 0; i < 30; i++)
            {
                var reply = await fixture
                    .Node("wp-reach", node)
                    .ReadAsync(new ReadRequest($"k{i}", ReadConsistency.Eventual, 0, TimeSpan.Zero));
                Assert.Equal(ReadStatus.Ok, reply.Status);
                Assert.Equal($"v{i}", Encoding.UTF8.GetString(reply.Value!));
            }
        }

        var status = await group.GetStatusAsync();
        Assert.Equal(3, status.Nodes.Select(n => n.Silo).Distinct().Count());
        Assert.Single(status.Nodes, n => n.Role == NodeRole.Primary);
        Assert.All(status.Nodes, n => Assert.True(n.Healthy, n.Problem));
    }

    [Fact]
    public async Task EachConcernIsAcknowledgedOnlyWhenItHolds()
    {
        const string name = "wp-concern";
        var group = fixture.Store.Group(name);
        await group.PutAsync("warm", "up");
        await fixture.Faults(name, 2).HoldReplicationAsync();
        try
        {
            var majority = await group.PutAsync("a", "1", new WriteOptions { Concern = WriteConcern.Majority });
            var one = await group.PutAsync("b", "1", new WriteOptions { Concern = WriteConcern.WaitForReplicas(1) });
            Assert.True(one.Version > majority.Version);

            var all = await Assert.ThrowsAsync<WriteConcernTimeoutException>(() =>
                group.PutAsync(
                    "c",
                    "1",
                    new WriteOptions { Concern = WriteConcern.All, Timeout = TimeSpan.FromSeconds(1) }
                )
            );
            Assert.Equal(1, all.Confirmed);
            Assert.Equal(2, all.Required);
            Assert.Equal(2, all.Replicas);
            Assert.Contains("1 of 2", all.Message);
            Assert.Contains("unknown", all.Message);

            var two = await Assert.ThrowsAsync<WriteConcernTimeoutException>(() =>
                group.PutAsync(
                    "d",
                    "1",
                    new WriteOptions
                    {
                        Concern = WriteConcern.WaitForReplicas(2),
                        Timeout = TimeSpan.FromMilliseconds(500),
                    }
                )
            );
            Assert.Equal(1, two.Confirmed);
        }
        finally
        {
            await fixture.Faults(name, 2).ReleaseReplicationAsync();
        }

        // Once the held replica answers, All holds again.
        var afterRelease = await group.PutAsync("e", "1", new WriteOptions { Concern = WriteConcern.All });
        Assert.True(afterRelease.Version > 0);
    }

    [Fact]
    public async Task AsynchronousWriteIsAcknowledgedBeforeAnyReplicaHasIt()
    {
        const string name = "wp-async";
        var group = fixture.Store.Group(name);
        await group.PutAsync("warm", "up");
        await fixture.Faults(name, 1).HoldReplicationAsync();
        await fixture.Faults(name, 2).HoldReplicationAsync();
        try
        {
            var acked = await group.PutAsync(
                "x",
                "async",
                new WriteOptions { Concern = WriteConcern.WaitForReplicas(0) }
            );
            var primary = await fixture.Node(name, 0).GetStatusAsync();
            Assert.True(primary.LastIndex >= acked.Version);

            // Readers see only what a majority holds: the asynchronous write is not visible yet.
            Assert.True(
                primary.CommitIndex < acked.Version,
                $"commit {primary.CommitIndex} must be below the unreplicated write {acked.Version}"
            );
            var timedOut = await Assert.ThrowsAsync<WriteConcernTimeoutException>(() =>
                group.PutAsync("y", "majority", new WriteOptions { Timeout = TimeSpan.FromMilliseconds(500) }));
            Assert.Equal(0, timedOut.Confirmed);
        }
        finally
        {
            await fixture.Faults(name, 1).ReleaseReplicationAsync();
            await fixture.Faults(name, 2).ReleaseReplicationAsync();
        }

        // A timeout is not a failure: the write whose concern timed out commits once the replicas answer.
        await Eventually.HoldsAsync(
            async () => (await group.GetAsync("y")).ValueAsString == "majority",
            Deadline,
            "the timed-out write never committed"
        );
        Assert.Equal("async", (await group.GetAsync("x")).ValueAsString);
    }

    [Fact]
    public async Task RetryWithTheSameWriteIdIsAppliedOnce()
    {
        var group = fixture.Store.Group("wp-dedup");
        var id = Guid.NewGuid();
        var first = await group.PutAsync("k", "v1", new WriteOptions { WriteId = id });
        var retry = await group.PutAsync("k", "v1", new WriteOptions { WriteId = id });
        Assert.Equal(first.Version, retry.Version);
        Assert.Equal(id, retry.WriteId);

        var other = await group.PutAsync("k", "v2");
        Assert.Equal(first.Version + 1, other.Version);
    }

    [Fact]
    public async Task DeleteAndCompareAndSet()
    {
        var group = fixture.Store.Group("wp-cas");
        var created = await group.CompareAndSetAsync("k", 0, "first");
        Assert.True(created.Succeeded);

        var stale = await group.CompareAndSetAsync("k", 0, "again");
        Assert.False(stale.Succeeded);
        Assert.Equal(created.Version, stale.Version);

        var updated = await group.CompareAndSetAsync("k", created.Version, "second");
        Assert.True(updated.Succeeded);
        Assert.Equal("second", (await group.GetAsync("k")).ValueAsString);

        await group.DeleteAsync("k");
        var gone = await group.GetAsync("k");
        Assert.False(gone.Found);
        Assert.Equal(0, gone.Version);
        Assert.True((await group.CompareAndSetAsync("k", 0, "reborn")).Succeeded);
    }

    [Fact]
    public async Task ManyConcurrentWritesAreBatchedAndAllAcknowledged()
    {
        const string name = "wp-pipeline";
        var group = fixture.Store.Group(name);
        await group.PutAsync("warm", "up");
        var before = await fixture.Node(name, 0).GetStatusAsync();
        var batchesBefore = await fixture.Faults(name, 1).GetEntryBatchesReceivedAsync();
        var writes = Enumerable.Range(0, 400).Select(i => group.PutAsync($"k{i % 50}", $"v{i}")).ToArray();
        var results = await Task.WhenAll(writes);

        Assert.Equal(400, results.Select(r => r.Version).Distinct().Count());
        var status = await group.GetStatusAsync();
        Assert.True(status.Nodes[0].CommitIndex >= before.CommitIndex + 400);

        // Entries that arrive while calls are in flight travel together: far fewer calls than writes.
        await Eventually.HoldsAsync(
            async () => (await fixture.Node(name, 1).GetStatusAsync()).LastIndex >= status.Nodes[0].CommitIndex,
            TimeSpan.FromSeconds(10),
            "replica 1 did not receive every entry"
        );
        var batches = await fixture.Faults(name, 1).GetEntryBatchesReceivedAsync() - batchesBefore;
        Assert.True(
            batches < 200,
            $"400 concurrent writes took {batches} replication calls to replica 1; expected batching"
        );
    }
}
