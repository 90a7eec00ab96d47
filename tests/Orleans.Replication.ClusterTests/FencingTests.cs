using Orleans.Replication.Client;
using Orleans.Replication.Protocol;
using Xunit;

namespace Orleans.Replication.ClusterTests;

[Collection("cluster")]
public sealed class FencingTests(ClusterFixture fixture)
{
    [Fact]
    public async Task ReplicaRejectsAnOlderEpoch()
    {
        const string name = "fence-stale";
        var group = fixture.Store.Group(name);
        var written = await group.PutAsync("k", "v");
        var replica = fixture.Node(name, 1);
        var before = await replica.GetStatusAsync();

        var stale = new AppendRequest(
            Epoch: 0,
            LeaderIndex: 2,
            NodeCount: 3,
            PrevIndex: before.LastIndex,
            PrevEpoch: 0,
            Entries:
            [
                new LogEntry(
                    before.LastIndex + 1,
                    0,
                    LogOperation.Put,
                    "k",
                    [1],
                    Guid.NewGuid(),
                    DateTime.UtcNow.Ticks
                ),
            ],
            LeaderCommit: before.LastIndex + 1,
            LeaderLastIndex: before.LastIndex + 1,
            IsProbe: false
        );
        var answer = await replica.AppendAsync(stale);

        Assert.Equal(AppendStatus.StaleEpoch, answer.Status);
        Assert.Equal(written.Epoch, answer.Epoch);
        var after = await replica.GetStatusAsync();
        Assert.Equal(before.LastIndex, after.LastIndex);
        Assert.Equal(NodeRole.Replica, after.Role);
        Assert.Equal("v", (await group.GetAsync("k")).ValueAsString);
    }

    [Fact]
    public async Task ANodeActivatedAgainEmptyFollowsNoLeaderOlderThanTheGroupsEpoch()
    {
        const string name = "fence-floor";
        var group = fixture.Store.Group(name);
        await group.PutAsync("k", "v");
        var old = await group.GetRouteAsync(refresh: true);
        var replica = (old.PrimaryIndex + 1) % 3;
        var led = await group.SwitchoverAsync((old.PrimaryIndex + 2) % 3);
        Assert.True(led.Epoch > old.Epoch);

        // The replica loses its state: activated again, it knows no epoch until it asks the coordinator. The current
        // primary is frozen meanwhile, so that the deposed primary's message is the first the empty node hears.
        var node = fixture.Node(name, replica);
        var primaryKey = GroupNames.NodeKey(name, led.PrimaryIndex);
        AppendResponse answer;
        Freezer.Freeze(primaryKey);
        try
        {
            await fixture.Cluster.DeactivateAsync(node);
            var deposed = new AppendRequest(
                old.Epoch,
                old.PrimaryIndex,
                NodeCount: 3,
                PrevIndex: 0,
                PrevEpoch: 0,
                Entries:
                [
                    new LogEntry(1, old.Epoch, LogOperation.Put, "k", [9], Guid.NewGuid(), DateTime.UtcNow.Ticks),
                ],
                LeaderCommit: 0,
                LeaderLastIndex: 1,
                IsProbe: false
            );
            answer = await node.AppendAsync(deposed);
        }
        finally
        {
            Freezer.Thaw(primaryKey);
        }

        // Following it would let a deposed primary count an empty node toward its majority.
        Assert.Equal(AppendStatus.StaleEpoch, answer.Status);
    }

    [Fact]
    public async Task ReplicaRefusesASecondLeaderInTheSameEpoch()
    {
        const string name = "fence-one-leader";
        var group = fixture.Store.Group(name);
        var written = await group.PutAsync("k", "v");
        var replica = fixture.Node(name, 1);
        var before = await replica.GetStatusAsync();

        // Node 2 claims the epoch node 0 leads (as two coordinators electing at once might make it): refused.
        var rival = new AppendRequest(
            written.Epoch,
            LeaderIndex: 2,
            NodeCount: 3,
            PrevIndex: before.LastIndex,
            PrevEpoch: written.Epoch,
            Entries:
            [
                new LogEntry(
                    before.LastIndex + 1,
                    written.Epoch,
                    LogOperation.Put,
                    "k",
                    [9],
                    Guid.NewGuid(),
                    DateTime.UtcNow.Ticks
                ),
            ],
            LeaderCommit: 0,
            LeaderLastIndex: before.LastIndex + 1,
            IsProbe: false
        );
        var answer = await replica.AppendAsync(rival);

        Assert.Equal(AppendStatus.StaleEpoch, answer.Status);
        Assert.Equal(before.LastIndex, (await replica.GetStatusAsync()).LastIndex);
        Assert.Equal("v", (await group.GetAsync("k")).ValueAsString);
    }

    [Fact]
    public async Task DeposedPrimaryNeverAcknowledgesAPendingWrite()
    {
        const string name = "fence-deposed";
        var group = fixture.Store.Group(name);
        var first = await group.PutAsync("k", "before");
        await fixture.Faults(name, 1).HoldReplicationAsync();
        await fixture.Faults(name, 2).HoldReplicationAsync();
        try
        {
            // A write that cannot reach a majority waits on the primary...
            var pending = group.PutAsync("k", "during", new WriteOptions { Timeout = TimeSpan.FromSeconds(2) });
            await Eventually.HoldsAsync(
                async () => (await fixture.Node(name, 0).GetStatusAsync()).LastIndex > first.Version,
                TimeSpan.FromSeconds(5),
                "the write never reached the primary's log"
            );

            // ...when a message of a newer epoch reaches the primary: it steps down at once.
            var newer = new AppendRequest(first.Epoch + 1, LeaderIndex: 1, NodeCount: 3, 0, 0, [], 0, 0, IsProbe: true);
            var answer = await fixture.Node(name, 0).AppendAsync(newer);
            Assert.Equal(AppendStatus.Ok, answer.Status);

            var error = await Assert.ThrowsAnyAsync<ReplicationException>(() => pending);
            Assert.True(
                error is WriteOutcomeUnknownException,
                $"expected an unknown outcome, got {error.GetType().Name}: {error.Message}"
            );

            // The coordinator notices and elects again; whoever leads now, it is in a newer epoch than the write's.
            var deposed = await fixture.Node(name, 0).GetStatusAsync();
            Assert.True(deposed.Epoch > first.Epoch, $"node 0 is still in epoch {deposed.Epoch}");
        }
        finally
        {
            await fixture.Faults(name, 1).ReleaseReplicationAsync();
            await fixture.Faults(name, 2).ReleaseReplicationAsync();
        }
    }

    [Fact]
    public async Task PrimaryCutOffFromItsReplicasServesNoStrongRead()
    {
        const string name = "fence-strong";
        var group = fixture.Store.Group(name);
        await group.PutAsync("k", "v");
        Assert.Equal("v", (await group.GetAsync("k", ReadConsistency.Strong)).ValueAsString);
        await fixture.Faults(name, 1).HoldReplicationAsync();
        await fixture.Faults(name, 2).HoldReplicationAsync();
        try
        {
            var error = await Assert.ThrowsAsync<NoAvailableNodeException>(() =>
                group.GetAsync(
                    "k",
                    new ReadOptions { Consistency = ReadConsistency.Strong, Timeout = TimeSpan.FromSeconds(1) }
                )
            );
            Assert.Contains("primary", error.Message);
        }
        finally
        {
            await fixture.Faults(name, 1).ReleaseReplicationAsync();
            await fixture.Faults(name, 2).ReleaseReplicationAsync();
        }

        Assert.Equal("v", (await group.GetAsync("k", ReadConsistency.Strong)).ValueAsString);
    }
}
