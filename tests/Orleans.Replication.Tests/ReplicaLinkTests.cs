using Orleans.Replication.Primary;

namespace Orleans.Replication.Tests;

/// <summary>What a primary keeps of one replica across replica activations (incarnations) and rewinds.</summary>
public sealed class ReplicaLinkTests
{
    [Fact]
    public void NewLink_StartsAtTheBeginningWithNoIncarnation()
    {
        var link = NewLink();

        Assert.Equal(0, link.MatchIndex);
        Assert.Equal(1, link.NextIndex);
        Assert.Equal(0, link.Generation);
        Assert.Equal(Guid.Empty, link.Incarnation);
    }

    [Fact]
    public void Observe_OfTheCurrentIncarnationKeepsProgress()
    {
        var link = NewLink();
        var incarnation = Guid.NewGuid();
        Assert.True(link.Observe(incarnation));
        link.MatchIndex = 10;
        link.NextIndex = 11;
        var generation = link.Generation;

        Assert.True(link.Observe(incarnation));

        Assert.Equal(10, link.MatchIndex);
        Assert.Equal(11, link.NextIndex);
        Assert.Equal(generation, link.Generation);
    }

    [Fact]
    public void Observe_OfANewIncarnationForgetsWhatTheOldOneConfirmed()
    {
        var link = NewLink();
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();
        link.Observe(first);
        link.MatchIndex = 10;
        link.NextIndex = 11;
        var generation = link.Generation;

        Assert.True(link.Observe(second));

        Assert.Equal(second, link.Incarnation);
        Assert.Equal(0, link.MatchIndex);
        Assert.Equal(1, link.NextIndex);
        Assert.True(link.Generation > generation, "A new incarnation must rewind, so replies in flight stop positioning.");
    }

    [Fact]
    public void Observe_OfARetiredIncarnationIsRefusedAndChangesNothing()
    {
        var link = NewLink();
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();
        var third = Guid.NewGuid();
        link.Observe(first);
        link.Observe(second);
        link.Observe(third);
        link.MatchIndex = 4;
        link.NextIndex = 5;
        var generation = link.Generation;

        Assert.False(link.Observe(first));
        Assert.False(link.Observe(second));

        Assert.Equal(third, link.Incarnation);
        Assert.Equal(4, link.MatchIndex);
        Assert.Equal(5, link.NextIndex);
        Assert.Equal(generation, link.Generation);
    }

    [Theory]
    [InlineData(42, 42)]
    [InlineData(1, 1)]
    [InlineData(0, 1)]
    [InlineData(-5, 1)]
    public void Rewind_MovesNextIndexNoLowerThanOneAndBumpsTheGeneration(long requested, long expected)
    {
        var link = NewLink();
        link.NextIndex = 100;
        link.MatchIndex = 30;

        link.Rewind(requested);
        link.Rewind(requested);

        Assert.Equal(expected, link.NextIndex);
        Assert.Equal(2, link.Generation);
        Assert.Equal(30, link.MatchIndex);
    }

    // The link only holds the grain reference for the caller; none of the logic under test calls it.
    [Fact]
    public void Accepted_WithCallsOutKeepsSendingAhead()
    {
        var link = NewLink();
        link.NextIndex = 31; // entries 1..30 sent in three calls
        link.InFlight = 2;

        // The first answer covers 1..10; the other two calls may still bring the rest.
        link.Accepted(lastIndex: 10, primaryLastIndex: 30);

        Assert.Equal(10, link.MatchIndex);
        Assert.Equal(31, link.NextIndex);
        Assert.Equal(0, link.Generation);
    }

    [Fact]
    public void Accepted_WithEverythingSentHeldSendsNothingAgain()
    {
        var link = NewLink();
        link.NextIndex = 31;

        link.Accepted(lastIndex: 30, primaryLastIndex: 30);

        Assert.Equal(30, link.MatchIndex);
        Assert.Equal(31, link.NextIndex);
        Assert.Equal(0, link.Generation);
    }

    [Fact]
    public void Accepted_WithNoCallOutAndLessHeldThanSentSendsAgainFromWhatTheReplicaHolds()
    {
        var link = NewLink();
        link.NextIndex = 31;

        // Every call is answered, but the replica matches only up to 10: it dropped calls it held behind a lost one.
        link.Accepted(lastIndex: 10, primaryLastIndex: 30);

        Assert.Equal(10, link.MatchIndex);
        Assert.Equal(11, link.NextIndex);
        Assert.Equal(1, link.Generation);
    }

    [Fact]
    public void Accepted_NeverCountsMoreThanThePrimaryHas()
    {
        var link = NewLink();
        link.NextIndex = 21;

        link.Accepted(lastIndex: 25, primaryLastIndex: 20);

        Assert.Equal(20, link.MatchIndex);
        Assert.Equal(21, link.NextIndex);
    }

    private static ReplicaLink NewLink() => new(2, null!);
}
