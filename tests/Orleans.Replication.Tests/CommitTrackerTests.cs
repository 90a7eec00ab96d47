using Orleans.Replication.Primary;
using Orleans.Replication.Protocol;

namespace Orleans.Replication.Tests;

/// <summary>Acknowledging writes per concern from the replicas' match indexes, for groups of 3 and 5 nodes.</summary>
public sealed class CommitTrackerTests
{
    private const long NoDeadline = long.MaxValue;

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

        Assert.Throws<ArgumentOutOfRangeException>(() => tracker.Track(1, -1, NoDeadline, Acknowledged(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => tracker.Track(1, nodeCount, NoDeadline, Acknowledged(1)));
        Assert.Equal(0, tracker.PendingCount);
    }

    [Fact]
    public void Track_KeepsWhatItWasGiven()
    {
        var tracker = new CommitTracker(5);
        var acknowledged = Acknowledged(7);

        var write = tracker.Track(7, 3, 1234, acknowledged);

        Assert.Equal(7, write.Index);
        Assert.Equal(3, write.RequiredReplicas);
        Assert.Equal(1234, write.DeadlineTicks);
        Assert.Same(acknowledged, write.Acknowledged);
        Assert.False(write.IsDone);
        Assert.Equal(1, tracker.PendingCount);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public async Task WaitForNoReplica_IsAcknowledgedAtOnce(int nodeCount)
    {
        var tracker = new CommitTracker(nodeCount);

        var write = Track(tracker, 7, WriteConcern.WaitForReplicas(0).RequiredReplicas(nodeCount));

        await AssertAcknowledged(write);
        Assert.Equal(0, tracker.PendingCount);
    }

    [Theory]
    [InlineData(3, new long[] { 5, 0 }, new long[] { 4, 4 })]
    [InlineData(5, new long[] { 5, 9, 0, 0 }, new long[] { 5, 4, 4, 4 })]
    public async Task Majority_IsAcknowledgedOnceEnoughReplicasHoldTheWrite(int nodeCount, long[] enough, long[] tooFew)
    {
        var tracker = new CommitTracker(nodeCount);
        var write = Track(tracker, 5, WriteConcern.Majority.RequiredReplicas(nodeCount));

        tracker.Update(tooFew);
        Assert.False(write.IsDone);
        Assert.Equal(1, tracker.PendingCount);

        tracker.Update(enough);
        await AssertAcknowledged(write);
        Assert.Equal(0, tracker.PendingCount);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public async Task All_NeedsEveryReplica(int nodeCount)
    {
        var tracker = new CommitTracker(nodeCount);
        var write = Track(tracker, 5, WriteConcern.All.RequiredReplicas(nodeCount));
        var matches = Enumerable.Repeat(5L, nodeCount - 1).ToArray();
        matches[^1] = 4;

        tracker.Update(matches);
        Assert.False(write.IsDone);

        matches[^1] = 5;
        tracker.Update(matches);
        await AssertAcknowledged(write);
    }

    [Fact]
    public async Task AWriteAtAHigherIndex_IsNotAcknowledgedByALowerMatch()
    {
        var tracker = new CommitTracker(3);
        var early = Track(tracker, 3, 1);
        var late = Track(tracker, 7, 1);

        tracker.Update([6, 6]);

        await AssertAcknowledged(early);
        Assert.False(late.IsDone);
        Assert.Equal(1, tracker.PendingCount);

        tracker.Update([6, 7]);
        await AssertAcknowledged(late);
    }

    [Fact]
    public async Task InterleavedConcerns_AreEachAcknowledgedByTheirOwnCount()
    {
        var tracker = new CommitTracker(5);
        var all = Track(tracker, 1, WriteConcern.All.RequiredReplicas(5));
        var one = Track(tracker, 2, WriteConcern.WaitForReplicas(1).RequiredReplicas(5));
        var majority = Track(tracker, 3, WriteConcern.Majority.RequiredReplicas(5));
        var three = Track(tracker, 4, WriteConcern.WaitForReplicas(3).RequiredReplicas(5));
        var none = Track(tracker, 5, 0);
        await AssertAcknowledged(none);
        Assert.Equal(4, tracker.PendingCount);

        tracker.Update([3, 3, 1, 0]);
        await AssertAcknowledged(one);
        await AssertAcknowledged(majority);
        Assert.False(all.IsDone);
        Assert.False(three.IsDone);
        Assert.Equal(2, tracker.PendingCount);

        tracker.Update([4, 4, 4, 1]);
        await AssertAcknowledged(all);
        await AssertAcknowledged(three);
        Assert.Equal(0, tracker.PendingCount);
    }

    [Fact]
    public async Task Track_AfterUpdate_IsAcknowledgedAtOnceWhenTheConcernAlreadyHolds()
    {
        var tracker = new CommitTracker(5);
        tracker.Update([5, 3, 1, 0]);

        var heldByOne = Track(tracker, 5, 1);
        var heldByMajority = Track(tracker, 3, WriteConcern.Majority.RequiredReplicas(5));
        var heldByThree = Track(tracker, 1, 3);
        var aheadOfMajority = Track(tracker, 4, WriteConcern.Majority.RequiredReplicas(5));
        var aheadOfAll = Track(tracker, 1, WriteConcern.All.RequiredReplicas(5));

        await AssertAcknowledged(heldByOne);
        await AssertAcknowledged(heldByMajority);
        await AssertAcknowledged(heldByThree);
        Assert.False(aheadOfMajority.IsDone);
        Assert.False(aheadOfAll.IsDone);
        Assert.Equal(2, tracker.PendingCount);

        tracker.Update([5, 4, 1, 1]);
        await AssertAcknowledged(aheadOfMajority);
        await AssertAcknowledged(aheadOfAll);
        Assert.Equal(0, tracker.PendingCount);
    }

    [Fact]
    public async Task Track_AfterUpdate_IsAcknowledgedAtOnceEvenPastItsDeadline()
    {
        var tracker = new CommitTracker(3);
        tracker.Update([4, 4]);

        var write = tracker.Track(4, 2, deadlineTicks: 0, Acknowledged(4));

        await AssertAcknowledged(write);
        tracker.ExpireOverdue(100, TimedOut);
        await AssertAcknowledged(write);
        Assert.Equal(0, tracker.PendingCount);
    }

    [Fact]
    public void Track_BeforeAnyUpdate_WaitsForTheReplicas()
    {
        var tracker = new CommitTracker(3);

        var write = Track(tracker, 1, 1);

        Assert.False(write.IsDone);
        Assert.Equal(1, tracker.PendingCount);
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
    public async Task ExpireOverdue_AnswersOnlyTheOverdueWritesWithTheTimedOutReply()
    {
        var tracker = new CommitTracker(5);
        var overdue = tracker.Track(1, 1, 100, Acknowledged(1));
        var notYet = tracker.Track(2, 1, 101, Acknowledged(2));
        var overdueOtherConcern = tracker.Track(3, 3, 50, Acknowledged(3));
        var notYetOtherConcern = tracker.Track(4, 3, 200, Acknowledged(4));
        var asked = new List<long>();

        tracker.ExpireOverdue(100, p =>
        {
            asked.Add(p.Index);
            return TimedOut(p);
        });

        Assert.Equal(new long[] { 1, 3 }, asked.Order());
        Assert.Equal(TimedOut(overdue), await overdue.Reply);
        Assert.Equal(TimedOut(overdueOtherConcern), await overdueOtherConcern.Reply);
        Assert.False(notYet.IsDone);
        Assert.False(notYetOtherConcern.IsDone);
        Assert.Equal(2, tracker.PendingCount);
    }

    [Fact]
    public void ExpireOverdue_WithNothingOverdueAnswersNothing()
    {
        var tracker = new CommitTracker(3);
        var first = tracker.Track(1, 1, 100, Acknowledged(1));
        var second = tracker.Track(2, 2, 100, Acknowledged(2));

        tracker.ExpireOverdue(99, p => throw new InvalidOperationException($"Write {p.Index} is not overdue."));

        Assert.False(first.IsDone);
        Assert.False(second.IsDone);
        Assert.Equal(2, tracker.PendingCount);
    }

    [Fact]
    public async Task ExpireOverdue_TheFirstAnswerWins_ALaterUpdateDoesNotChangeIt()
    {
        var tracker = new CommitTracker(3);
        var overdue = tracker.Track(1, 1, 10, Acknowledged(1));
        var inTime = tracker.Track(2, 1, 1000, Acknowledged(2));
        var overdueAll = tracker.Track(3, 2, 10, Acknowledged(3));

        tracker.ExpireOverdue(10, TimedOut);
        tracker.Update([9, 9]);

        Assert.Equal(TimedOut(overdue), await overdue.Reply);
        Assert.Equal(TimedOut(overdueAll), await overdueAll.Reply);
        await AssertAcknowledged(inTime);
        Assert.Equal(0, tracker.PendingCount);
    }

    [Fact]
    public async Task ExpireOverdue_DropsAnsweredWritesFromTheHeadOfEachQueue()
    {
        var tracker = new CommitTracker(3);
        var head = tracker.Track(1, 1, 10, Acknowledged(1));
        var blocking = tracker.Track(2, 1, 100, Acknowledged(2));
        var behind = tracker.Track(3, 1, 10, Acknowledged(3));
        var otherQueue = tracker.Track(4, 2, 10, Acknowledged(4));

        tracker.ExpireOverdue(50, TimedOut);

        // The head and the other queue's only write leave; the answered write behind a waiting one stays queued.
        Assert.True(head.IsDone);
        Assert.True(behind.IsDone);
        Assert.True(otherQueue.IsDone);
        Assert.False(blocking.IsDone);
        Assert.Equal(2, tracker.PendingCount);

        tracker.ExpireOverdue(100, TimedOut);

        Assert.Equal(TimedOut(blocking), await blocking.Reply);
        Assert.Equal(TimedOut(behind), await behind.Reply);
        Assert.Equal(0, tracker.PendingCount);
    }

    [Fact]
    public async Task Update_DropsAnAnsweredWriteOnceTheWriteAheadOfItIsAcknowledged()
    {
        var tracker = new CommitTracker(3);
        var waiting = tracker.Track(1, 1, 100, Acknowledged(1));
        var behind = tracker.Track(2, 1, 10, Acknowledged(2));
        tracker.ExpireOverdue(50, TimedOut);
        Assert.Equal(2, tracker.PendingCount);

        tracker.Update([2, 0]);

        await AssertAcknowledged(waiting);
        Assert.Equal(TimedOut(behind), await behind.Reply);
        Assert.Equal(0, tracker.PendingCount);
    }

    [Fact]
    public async Task AbandonAll_AnswersEveryPendingWriteWithTheGivenReply()
    {
        var tracker = new CommitTracker(5);
        var first = Track(tracker, 1, 1);
        var second = Track(tracker, 2, 4);

        tracker.AbandonAll(SteppedDown);

        Assert.Equal(0, tracker.PendingCount);
        Assert.Equal(SteppedDown(first), await first.Reply);
        Assert.Equal(SteppedDown(second), await second.Reply);
        tracker.Update([9, 9, 9, 9]);
        Assert.Equal(SteppedDown(second), await second.Reply);
    }

    [Fact]
    public async Task AbandonAll_KeepsTheAnswerOfAWriteThatAlreadyTimedOut()
    {
        var tracker = new CommitTracker(3);
        var waiting = tracker.Track(1, 1, 100, Acknowledged(1));
        var timedOut = tracker.Track(2, 1, 10, Acknowledged(2));
        tracker.ExpireOverdue(50, TimedOut);

        tracker.AbandonAll(SteppedDown);

        Assert.Equal(0, tracker.PendingCount);
        Assert.Equal(SteppedDown(waiting), await waiting.Reply);
        Assert.Equal(TimedOut(timedOut), await timedOut.Reply);
    }

    private static PendingWrite Track(CommitTracker tracker, long index, int requiredReplicas) =>
        tracker.Track(index, requiredReplicas, NoDeadline, Acknowledged(index));

    [Fact]
    public async Task WithAPrimaryOnDisk_AWriteNeedsItsConcernPlusOneCopiesOnDisk()
    {
        // Group of 3, the primary has written up to 4 to disk so far.
        var tracker = new CommitTracker(3, ownIndex: 4);
        var alone = tracker.Track(5, 0, NoDeadline, Acknowledged(5));
        var majority = tracker.Track(5, 1, NoDeadline, Acknowledged(5));
        var all = tracker.Track(5, 2, NoDeadline, Acknowledged(5));
        Assert.False(alone.IsDone, "no copy of index 5 is on disk yet");

        // One replica holds 5 and the primary's copy is not on disk: one copy, of the two a majority needs.
        Assert.Equal(4, tracker.Update([5, 0], ownIndex: 4));
        await AssertAcknowledged(alone);
        Assert.False(majority.IsDone);

        // Both replicas hold it: a majority without the primary's disk, but not all three copies.
        Assert.Equal(5, tracker.Update([5, 5], ownIndex: 4));
        await AssertAcknowledged(majority);
        Assert.False(all.IsDone, "All needs the primary's own copy on disk too");

        tracker.Update([5, 5], ownIndex: 5);
        await AssertAcknowledged(all);
    }

    [Fact]
    public void WithAPrimaryOnDisk_TheMajorityPointCountsThePrimaryAmongTheN()
    {
        var tracker = new CommitTracker(5, ownIndex: 0);

        Assert.Equal(7, tracker.Update([9, 7, 1, 0], ownIndex: 8));
        Assert.Equal(1, tracker.Update([9, 1, 1, 0], ownIndex: 0));
        Assert.Equal(3, tracker.CountHolding(1));
    }

    [Fact]
    public void InMemory_ASingleNodeGroupCommitsWhatItAppends()
    {
        var tracker = new CommitTracker(1);

        Assert.Equal(long.MaxValue, tracker.Update([]));
        Assert.True(tracker.Track(3, 0, NoDeadline, Acknowledged(3)).IsDone);
    }

    private static WriteReply Acknowledged(long index) => new(WriteStatus.Ok, 1, index, 0, 0, 0, 2, 0, null);

    private static WriteReply TimedOut(PendingWrite write) =>
        new(WriteStatus.Timeout, 1, write.Index, 0, 0, write.RequiredReplicas, 2, 0, "timed out");

    private static WriteReply SteppedDown(PendingWrite write) =>
        new(WriteStatus.SteppedDown, 1, write.Index, 0, 0, write.RequiredReplicas, 2, -1, "stepped down");

    /// <summary>Asserts the write is answered (without blocking) with its own acknowledgement.</summary>
    private static async Task AssertAcknowledged(PendingWrite write)
    {
        Assert.True(write.IsDone, $"Write {write.Index} is not answered.");
        Assert.Same(write.Acknowledged, await write.Reply);
    }
}
