using Orleans.Replication.Primary;

namespace Orleans.Replication.Tests;

/// <summary>Acknowledging writes per concern from the replicas' match indexes, for groups of 3 and 5 nodes.</summary>
public sealed class CommitTrackerTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    public void Constructor_RefusesANodeCountOutsideTheLimits(int nodeCount)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new CommitTracker(nodeCount));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public void Track_RefusesMoreReplicasThanTheGroupHas(int nodeCount)
    {
        var tracker = new CommitTracker(nodeCount);

        Assert.Throws<ArgumentOutOfRangeException>(() => tracker.Track(1, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => tracker.Track(1, nodeCount));
        Assert.Equal(0, tracker.PendingCount);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public void WaitForNoReplica_IsAcknowledgedAtOnce(int nodeCount)
    {
        var tracker = new CommitTracker(nodeCount);

        var write = tracker.Track(7, WriteConcern.WaitForReplicas(0).RequiredReplicas(nodeCount));

        Assert.True(write.Acknowledged.Task.IsCompletedSuccessfully);
        Assert.Equal(0, tracker.PendingCount);
    }

    [Theory]
    [InlineData(3, new long[] { 5, 0 }, new long[] { 4, 4 })]
    [InlineData(5, new long[] { 5, 9, 0, 0 }, new long[] { 5, 4, 4, 4 })]
    public void Majority_IsAcknowledgedOnceEnoughReplicasHoldTheWrite(int nodeCount, long[] enough, long[] tooFew)
    {
        var tracker = new CommitTracker(nodeCount);
        var write = tracker.Track(5, WriteConcern.Majority.RequiredReplicas(nodeCount));

        tracker.Update(tooFew);
        Assert.False(write.Acknowledged.Task.IsCompleted);
        Assert.Equal(1, tracker.PendingCount);

        tracker.Update(enough);
        Assert.True(write.Acknowledged.Task.IsCompletedSuccessfully);
        Assert.Equal(0, tracker.PendingCount);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public void All_NeedsEveryReplica(int nodeCount)
    {
        var tracker = new CommitTracker(nodeCount);
        var write = tracker.Track(5, WriteConcern.All.RequiredReplicas(nodeCount));
        var matches = Enumerable.Repeat(5L, nodeCount - 1).ToArray();
        matches[^1] = 4;

        tracker.Update(matches);
        Assert.False(write.Acknowledged.Task.IsCompleted);

        matches[^1] = 5;
        tracker.Update(matches);
        Assert.True(write.Acknowledged.Task.IsCompletedSuccessfully);
    }

    [Fact]
    public void AWriteAtAHigherIndex_IsNotAcknowledgedByALowerMatch()
    {
        var tracker = new CommitTracker(3);
        var early = tracker.Track(3, 1);
        var late = tracker.Track(7, 1);

        tracker.Update([6, 6]);

        Assert.True(early.Acknowledged.Task.IsCompletedSuccessfully);
        Assert.False(late.Acknowledged.Task.IsCompleted);
        Assert.Equal(1, tracker.PendingCount);

        tracker.Update([6, 7]);
        Assert.True(late.Acknowledged.Task.IsCompletedSuccessfully);
    }

    [Fact]
    public void InterleavedConcerns_AreEachAcknowledgedByTheirOwnCount()
    {
        var tracker = new CommitTracker(5);
        var all = tracker.Track(1, WriteConcern.All.RequiredReplicas(5));
        var one = tracker.Track(2, WriteConcern.WaitForReplicas(1).RequiredReplicas(5));
        var majority = tracker.Track(3, WriteConcern.Majority.RequiredReplicas(5));
        var three = tracker.Track(4, WriteConcern.WaitForReplicas(3).RequiredReplicas(5));
        var none = tracker.Track(5, 0);
        Assert.True(none.Acknowledged.Task.IsCompletedSuccessfully);
        Assert.Equal(4, tracker.PendingCount);

        tracker.Update([3, 3, 1, 0]);
        Assert.True(one.Acknowledged.Task.IsCompletedSuccessfully);
        Assert.True(majority.Acknowledged.Task.IsCompletedSuccessfully);
        Assert.False(all.Acknowledged.Task.IsCompleted);
        Assert.False(three.Acknowledged.Task.IsCompleted);
        Assert.Equal(2, tracker.PendingCount);

        tracker.Update([4, 4, 4, 1]);
        Assert.True(all.Acknowledged.Task.IsCompletedSuccessfully);
        Assert.True(three.Acknowledged.Task.IsCompletedSuccessfully);
        Assert.Equal(0, tracker.PendingCount);
    }

    [Theory]
    [InlineData(3, new long[] { 9, 4 }, 9)]
    [InlineData(3, new long[] { 0, 0 }, 0)]
    [InlineData(5, new long[] { 10, 1, 7, 3 }, 7)]
    [InlineData(5, new long[] { 2, 2, 2, 8 }, 2)]
    [InlineData(7, new long[] { 6, 5, 4, 3, 2, 1 }, 4)]
    public void Update_ReturnsTheMajorityPoint(int nodeCount, long[] matches, long expected)
    {
        var tracker = new CommitTracker(nodeCount);

        Assert.Equal(expected, tracker.Update(matches));
    }

    [Fact]
    public void Update_OfASingleNodeGroupCommitsEverything()
    {
        var tracker = new CommitTracker(1);

        Assert.Equal(0, tracker.MajorityReplicas);
        Assert.Equal(long.MaxValue, tracker.Update([]));
    }

    [Theory]
    [InlineData(3, 3)]
    [InlineData(5, 3)]
    [InlineData(5, 5)]
    public void Update_RefusesTheWrongNumberOfMatchIndexes(int nodeCount, int given)
    {
        var tracker = new CommitTracker(nodeCount);

        Assert.Throws<ArgumentException>(() => tracker.Update(new long[given]));
    }

    [Fact]
    public void CountHolding_CountsTheReplicasAtOrPastAnIndex()
    {
        var tracker = new CommitTracker(5);

        tracker.Update([10, 1, 7, 3]);

        Assert.Equal(4, tracker.CountHolding(1));
        Assert.Equal(2, tracker.CountHolding(5));
        Assert.Equal(2, tracker.CountHolding(7));
        Assert.Equal(1, tracker.CountHolding(8));
        Assert.Equal(0, tracker.CountHolding(11));
    }

    [Fact]
    public async Task AbandonAll_FaultsEveryPendingWriteWithTheReason()
    {
        var tracker = new CommitTracker(5);
        var first = tracker.Track(1, 1);
        var second = tracker.Track(2, 4);
        var reason = new InvalidOperationException("stepped down");

        tracker.AbandonAll(reason);

        Assert.Equal(0, tracker.PendingCount);
        Assert.Same(reason, await Assert.ThrowsAsync<InvalidOperationException>(() => first.Acknowledged.Task));
        Assert.Same(reason, await Assert.ThrowsAsync<InvalidOperationException>(() => second.Acknowledged.Task));
        tracker.Update([9, 9, 9, 9]);
        Assert.True(second.Acknowledged.Task.IsFaulted);
    }
}
