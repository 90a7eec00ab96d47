using Orleans.Replication.Client;
using Orleans.Replication.Protocol;
using Xunit;

namespace Orleans.Replication.ClusterTests;

/// <summary>
/// In a group of at most three, the leader and one voter are a majority: a voter applies an entry of its leader's
/// epoch once it holds it, without waiting for a call that carries the leader's commit index. Where that is not so (a
/// larger group, a learner, a last entry of an older epoch) it applies only what it is told is committed.
/// </summary>
/// <remarks>
/// Each test leads its own group's replica (<see cref="StandInLeader"/>) and sends it a commit index that lags on
/// purpose.
/// </remarks>
[Collection("cluster")]
public sealed class ReplicaCommitTests(ClusterFixture fixture)
{
    [Fact]
    public async Task AVoterOfAThreeNodeGroupAppliesItsLeadersEntriesOnArrival()
    {
        var leader = await StandInLeader.TakeOverReplicaAsync(fixture, "commit-three");
        var start = leader.LastIndex;

        var answer = await leader.Replica.AppendAsync(leader.Call(1, start, 3, leaderCommit: start));

        Assert.Equal(AppendStatus.Ok, answer.Status);
        Assert.Equal(start + 3, answer.AppliedIndex);
        var status = await leader.Replica.GetStatusAsync();
        Assert.Equal(start + 3, status.CommitIndex);
        Assert.Equal(start + 3, status.AppliedIndex);
    }

    [Fact]
    public async Task AVoterOfAFiveNodeGroupAppliesOnlyWhatItsLeaderSaysIsCommitted()
    {
        var leader = await StandInLeader.TakeOverReplicaAsync(fixture, "commit-five");
        var start = leader.LastIndex;

        var answer = await leader.Replica.AppendAsync(leader.Call(1, start, 3, nodeCount: 5, leaderCommit: start));
        Assert.Equal(AppendStatus.Ok, answer.Status);
        Assert.Equal(start + 3, answer.LastIndex);
        Assert.Equal(start, answer.AppliedIndex);

        // Leader and replica are two of five: only the leader's word commits the entries.
        var told = await leader.Replica.AppendAsync(
            leader.Call(2, start + 3, 0, nodeCount: 5, leaderCommit: start + 2)
        );
        Assert.Equal(start + 2, told.AppliedIndex);
        Assert.Equal(start + 2, (await leader.Replica.GetStatusAsync()).CommitIndex);
    }

    [Fact]
    public async Task EntriesOfAnOlderEpochWaitForAnEntryOfTheLeadersOwn()
    {
        var leader = await StandInLeader.TakeOverReplicaAsync(fixture, "commit-older");
        var start = leader.LastIndex;
        var older = leader.Epoch - 5;

        // Entries a deposed leader wrote, sent on by the new one: holding them does not make them committed.
        var inherited = await leader.Replica.AppendAsync(
            leader.Call(1, start, 2, entryEpoch: older, leaderCommit: start)
        );
        Assert.Equal(start + 2, inherited.LastIndex);
        Assert.Equal(start, inherited.AppliedIndex);

        // The leader's own entry after them commits them with it.
        var own = await leader.Replica.AppendAsync(
            leader.Call(2, start + 2, 1, leaderCommit: start) with
            {
                PrevEpoch = older,
            }
        );
        Assert.Equal(AppendStatus.Ok, own.Status);
        Assert.Equal(start + 3, own.AppliedIndex);
    }

    [Fact]
    public async Task ALearnerAppliesOnlyWhatItsLeaderSaysIsCommitted()
    {
        var leader = await StandInLeader.TakeOverReplicaAsync(fixture, "commit-learner");

        // Node 3 of a three-node group is a learner being synced to join it: its copy counts toward no majority.
        var learner = leader with { Replica = fixture.Node("commit-learner", 3), LastIndex = 0, LastEpoch = 0 };
        var answer = await learner.Replica.AppendAsync(learner.Call(1, 0, 3, leaderCommit: 0));
        Assert.Equal(AppendStatus.Ok, answer.Status);
        Assert.Equal(3, answer.LastIndex);
        Assert.Equal(0, answer.AppliedIndex);

        var told = await learner.Replica.AppendAsync(learner.Call(2, 3, 0, leaderCommit: 3));
        Assert.Equal(3, told.AppliedIndex);
    }

    [Fact]
    public async Task APrimaryOfThreeSendsNoCallThatOnlyCarriesItsCommitIndex()
    {
        var group = fixture.Store.Group("commit-calls-three");
        var last = await WriteOneByOneAsync(group, 20);
        var route = await RouteOnceAppliedEverywhereAsync(group, last);

        foreach (var replica in Enumerable.Range(0, 3).Where(i => i != route.PrimaryIndex))
        {
            var calls = AppendCallCounter.Of(GroupNames.NodeKey(group.Name, replica));
            Assert.InRange(Interlocked.Read(ref calls.WithEntries), 1, 40);
            Assert.Equal(0, Interlocked.Read(ref calls.CommitOnly));
        }
    }

    [Fact]
    public async Task APrimaryOfFiveStillTellsItsReplicasWhatCommitted()
    {
        var group = await fixture.Store.CreateGroupAsync("commit-calls-five", new GroupConfiguration(5));
        var last = await WriteOneByOneAsync(group, 5);

        // A replica of five cannot count a majority from what it holds: the primary's commit index must reach it.
        var route = await RouteOnceAppliedEverywhereAsync(group, last);
        var commitOnly = Enumerable.Range(0, 5).Where(i => i != route.PrimaryIndex)
            .Sum(i => Interlocked.Read(ref AppendCallCounter.Of(GroupNames.NodeKey(group.Name, i)).CommitOnly));
        Assert.True(commitOnly > 0, "no replica of the five-node group was sent the primary's commit index on its own");
    }

    /// <summary>
    /// Waits until every node of <paramref name="group"/> has applied <paramref name="index"/>; returns the group's
    /// route.
    /// </summary>
    private static async Task<GroupRoute> RouteOnceAppliedEverywhereAsync(IReplicatedGroup group, long index)
    {
        await Eventually.AppliedEverywhereAsync(group, index, TimeSpan.FromSeconds(5));
        return await group.GetRouteAsync(refresh: true);
    }

    /// <summary>
    /// Writes <paramref name="count"/> keys one at a time (each acknowledged before the next leaves); returns the last
    /// one's version.
    /// </summary>
    private static async Task<long> WriteOneByOneAsync(IReplicatedGroup group, int count)
    {
        long last = 0;
        for (var i = 0; i < count; i++)
        {
            last = (await group.PutAsync($"key{i}", "v")).Version;
        }

        return last;
    }
}
