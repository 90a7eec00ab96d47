using Orleans.Replication.Primary;
using Orleans.Replication.Protocol;

namespace Orleans.Replication.Tests;

/// <summary>
/// How a primary keeps the batches it routed through a replica, and when it tells their clients itself.
/// </summary>
public sealed class RoutedBatchesTests
{
    /// <summary>
    /// Entries 3–5 routed to replica 1 and taken by a call carrying them; with their replies once committed.
    /// </summary>
    private static (ReplicaLink Link, Acks Acks, RoutedBatches Batches, RoutedBatch Batch, AckRoute[] Routes)
        TakenBatch(bool committed)
    {
        var link = Link(1);
        var acks = new Acks();
        var batches = new RoutedBatches();
        var batch = Routed(link, 3, 5, acks);
        batches.Add(batch);
        var routes = batches.Take(link, 5)!;
        if (committed)
        {
            batch.Replies = Ok;
        }

        return (link, acks, batches, batch, routes);
    }

    private static readonly WriteReply[] Ok = [new(WriteStatus.Ok, 1, 5, 0, 1, 1, 2, 0, null)];

    [Fact]
    public void PickReplica_TakesTheReplicaInGoodStandingWithTheFewestCallsOut()
    {
        var busy = Link(1, inFlight: 3);
        var idle = Link(2, inFlight: 1);
        var failing = Link(3, inFlight: 0);
        failing.Failures = 1;
        var unheard = new ReplicaLink(4, null!);

        Assert.Same(idle, RoutedBatches.PickReplica([busy, idle, failing, unheard], nowTicks: 0));
        Assert.Null(RoutedBatches.PickReplica([failing, unheard], nowTicks: 0));
    }

    [Fact]
    public void Take_HandsARouteOnceToTheCallThatCarriesTheBatchsLastEntry()
    {
        var link = Link(1);
        var batches = new RoutedBatches();
        var batch = Routed(link, first: 3, last: 5, new Acks());
        batches.Add(batch);

        Assert.Null(batches.Take(link, lastSent: 4));
        Assert.Equal([batch.Route], batches.Take(link, lastSent: 5)!);
        Assert.Null(batches.Take(link, lastSent: 9));
        Assert.Null(batches.Take(Link(2), lastSent: 9));
    }

    [Fact]
    public void Settle_OfAnAnswerHoldingTheBatch_LeavesTheClientToTheReplica()
    {
        var (link, acks, batches, batch, routes) = TakenBatch(committed: true);

        batches.Settle(link, routes, heldUpTo: 5, batch.Route.Incarnation);

        Assert.True(batch.Told);
        Assert.Equal(0, batches.Count);
        Assert.Equal(0, acks.Answered);
    }

    [Fact]
    public void Settle_OfAFailedCall_TellsTheClientOfACommittedBatch()
    {
        var (link, acks, batches, batch, routes) = TakenBatch(committed: true);

        batches.Settle(link, routes, heldUpTo: -1, Guid.Empty);

        Assert.False(batch.Told);
        Assert.Equal(0, batches.Count);
        Assert.Equal(1, acks.Answered);
    }

    [Fact]
    public void Settle_OfAnotherActivationsAnswer_DoesNotCountAsTold()
    {
        var (link, _, batches, batch, routes) = TakenBatch(committed: false);

        batches.Settle(link, routes, heldUpTo: 5, Guid.NewGuid());

        Assert.False(batch.Told);
        Assert.Equal(0, batch.CallsOut);
        Assert.Equal(1, batches.Count);
    }

    [Fact]
    public void TellOverdue_AnswersOnlyBatchesCommittedBeforeTheCutOff_AndEndAnswersTheRest()
    {
        var link = Link(1);
        var acks = new Acks();
        var batches = new RoutedBatches();
        var early = Routed(link, 1, 2, acks);
        var late = Routed(link, 3, 4, acks);
        var waiting = Routed(link, 5, 6, acks);
        (early.Replies, early.CommittedTicks) = (Ok, 10);
        (late.Replies, late.CommittedTicks) = (Ok, 20);
        batches.Add(early);
        batches.Add(late);
        batches.Add(waiting);

        batches.TellOverdue(committedBefore: 15);
        Assert.Equal(1, acks.Answered);
        Assert.Equal(2, batches.Count);

        batches.End();
        Assert.Equal(2, acks.Answered);
        Assert.Equal(0, batches.Count);
    }

    [Theory]
    // A group of three: the primary and the replica heard from last make a majority.
    [InlineData(3, new long[] { 100, 40 }, 100)]
    // A group of five: the primary and the two replicas heard from last.
    [InlineData(5, new long[] { 10, 50, 30, 20 }, 30)]
    public void MajorityContactTicks_IsWhenAMajorityOfTheGroupHadLastAnswered(
        int nodeCount,
        long[] replies,
        long expected
    )
    {
        var links = replies.Select((ticks, i) => new ReplicaLink(i + 1, null!) { LastReplyTicks = ticks }).ToArray();
        var primary = new PrimaryRole(links, new CommitTracker(nodeCount));

        Assert.Equal(expected, primary.MajorityContactTicks(nowTicks: 1000, nodeCount));
    }

    private static ReplicaLink Link(int index, int inFlight = 0)
    {
        // The link only holds the grain reference for the caller; none of the logic under test calls it.
        var link = new ReplicaLink(index, null!) { InFlight = inFlight };
        link.Observe(Guid.NewGuid());
        return link;
    }

    private static RoutedBatch Routed(ReplicaLink link, long first, long last, Acks acks) =>
        new(link, new AckRoute(acks, first, first, last, link.Incarnation));

    private sealed class Acks : IWriteAcks
    {
        public int Answered { get; private set; }

        public Task HeldAsync(long batchId, long epoch, long firstIndex, int count, int replicas) => Task.CompletedTask;

        public Task AnsweredAsync(long batchId, WriteReply[] replies)
        {
            Answered++;
            return Task.CompletedTask;
        }
    }
}
