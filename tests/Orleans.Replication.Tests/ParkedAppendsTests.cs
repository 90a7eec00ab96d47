using Orleans.Replication.Protocol;
using Orleans.Replication.Replica;

namespace Orleans.Replication.Tests;

/// <summary>The replica's hold on replication calls that overtook earlier ones.</summary>
public sealed class ParkedAppendsTests
{
    private static readonly long MaxAge = TimeSpan.FromMilliseconds(500).Ticks;

    private static AppendRequest Call(long sequence, long prevIndex) =>
        new(
            Epoch: 1,
            LeaderIndex: 0,
            NodeCount: 3,
            prevIndex,
            PrevEpoch: 1,
            Entries: [],
            LeaderCommit: 0,
            LeaderLastIndex: prevIndex,
            IsProbe: false,
            sequence
        );

    [Fact]
    public void ACallThatCanOvertakeNoEarlierOneIsNotHeld()
    {
        var parked = new ParkedAppends(8, MaxAge);

        Assert.False(parked.TryPark(Call(sequence: 5, prevIndex: 40), lastSequence: 4, nowTicks: 0));
        Assert.False(parked.TryPark(Call(sequence: 0, prevIndex: 40), lastSequence: 4, nowTicks: 0));
        Assert.False(parked.TryPark(Call(sequence: 3, prevIndex: 40), lastSequence: 4, nowTicks: 0));
        Assert.Equal(0, parked.Count);
    }

    [Fact]
    public void HeldCallsComeOutInLogOrderOnceTheyFollowTheLog()
    {
        var parked = new ParkedAppends(8, MaxAge);
        Assert.True(parked.TryPark(Call(sequence: 4, prevIndex: 30), lastSequence: 1, nowTicks: 0));
        Assert.True(parked.TryPark(Call(sequence: 3, prevIndex: 20), lastSequence: 1, nowTicks: 0));

        Assert.Null(parked.TakeNext(lastIndex: 19, nowTicks: 0));
        Assert.Equal(20, parked.TakeNext(lastIndex: 20, nowTicks: 0)?.PrevIndex);
        Assert.Null(parked.TakeNext(lastIndex: 29, nowTicks: 0));
        Assert.Equal(30, parked.TakeNext(lastIndex: 35, nowTicks: 0)?.PrevIndex);
        Assert.Equal(0, parked.Count);
    }

    [Fact]
    public void AFullHoldDropsEverythingAndRefuses()
    {
        var parked = new ParkedAppends(2, MaxAge);
        Assert.True(parked.TryPark(Call(3, 20), 1, 0));
        Assert.True(parked.TryPark(Call(4, 30), 1, 0));

        Assert.False(parked.TryPark(Call(5, 40), 1, 0));
        Assert.Equal(0, parked.Count);
        Assert.Null(parked.TakeNext(100, 0));
    }

    [Fact]
    public void AGapOlderThanTheAgeBoundIsGivenUp()
    {
        var parked = new ParkedAppends(8, MaxAge);
        Assert.True(parked.TryPark(Call(3, 20), 1, nowTicks: 0));
        Assert.True(parked.TryPark(Call(4, 30), 1, nowTicks: MaxAge));

        Assert.False(parked.TryPark(Call(5, 40), 1, nowTicks: MaxAge + 1));
        Assert.Equal(0, parked.Count);
    }

    [Fact]
    public void ProgressRestartsTheAgeOfTheGap()
    {
        var parked = new ParkedAppends(8, MaxAge);
        Assert.True(parked.TryPark(Call(3, 20), 1, nowTicks: 0));
        Assert.True(parked.TryPark(Call(5, 40), 1, nowTicks: 0));
        Assert.NotNull(parked.TakeNext(lastIndex: 20, nowTicks: MaxAge));

        // Call 4 is still on its way, but the replica moved on at MaxAge: the wait counts from there.
        Assert.True(parked.TryPark(Call(6, 50), 3, nowTicks: 2 * MaxAge));
        Assert.Equal(2, parked.Count);
    }
}
