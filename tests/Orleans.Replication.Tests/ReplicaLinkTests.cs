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
        Assert.True(
            link.Generation > generation,
            "A new incarnation must rewind, so replies in flight stop positioning."
        );
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

    [Theory]
    // Entries 1..30 sent; two calls still out: the first answer covers 1..10, the others may still bring the rest.
    [InlineData(2, 31, 10, 30, 10, 31, 0)]
    // Everything sent is held: nothing is sent again.
    [InlineData(0, 31, 30, 30, 30, 31, 0)]
    // Every call answered, but the replica matches only up to 10 (it dropped calls held behind a lost one):
    // sending starts again from what it holds.
    [InlineData(0, 31, 10, 30, 10, 11, 1)]
    // A reply never counts more than the primary has.
    [InlineData(0, 21, 25, 20, 20, 21, 0)]
    public void Accepted_MovesTheLinkAsTheReplyAndTheCallsStillOutAllow(
        int inFlight,
        long nextIndex,
        long lastIndex,
        long primaryLastIndex,
        long expectedMatch,
        long expectedNext,
        int expectedGeneration
    )
    {
        var link = NewLink();
        link.NextIndex = nextIndex;
        link.InFlight = inFlight;

        link.Accepted(lastIndex, primaryLastIndex);

        Assert.Equal(expectedMatch, link.MatchIndex);
        Assert.Equal(expectedNext, link.NextIndex);
        Assert.Equal(expectedGeneration, link.Generation);
    }

    // The link only holds the grain reference for the caller; none of the logic under test calls it.
    private static ReplicaLink NewLink() => new(2, null!);
}
