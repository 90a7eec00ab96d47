using Orleans.Replication.Storage;

namespace Orleans.Replication.Tests;

/// <summary>Cutting the log at either end: suffix truncation, prefix compaction and reset.</summary>
public sealed class ReplicationLogCompactionTests
{
    [Fact]
    public void TruncateSuffix_ReturnsTheRemovedEntriesOldestFirst()
    {
        var log = LogEntries.Filled(10);

        var removed = log.TruncateSuffix(7);

        Assert.Equal([7L, 8L, 9L, 10L], removed.Select(e => e.Index));
        Assert.Equal(6, log.LastIndex);
        Assert.Equal(LogEntries.EpochOf(6), log.LastEpoch);
        Assert.False(log.TryGetEpoch(7, out _));
        log.Append(LogEntries.Put(7, 42));
        Assert.Equal(42, log.LastEpoch);
    }

    [Fact]
    public void TruncateSuffix_PastTheEndRemovesNothing()
    {
        var log = LogEntries.Filled(5);

        Assert.Empty(log.TruncateSuffix(6));
        Assert.Equal(5, log.LastIndex);
    }

    [Fact]
    public void TruncateSuffix_RefusesAtOrBelowTheBase()
    {
        var log = LogEntries.Filled(10);
        log.CompactPrefix(3);

        Assert.Throws<InvalidOperationException>(() => log.TruncateSuffix(3));
        Assert.Throws<InvalidOperationException>(() => log.TruncateSuffix(1));
        Assert.Equal(7, log.Count);

        var removed = log.TruncateSuffix(4);
        Assert.Equal(7, removed.Length);
        Assert.Equal(3, log.LastIndex);
        Assert.Equal(log.BaseEpoch, log.LastEpoch);
    }

    [Fact]
    public void CompactPrefix_KeepsTheEpochOfTheLastDroppedEntry()
    {
        var log = new ReplicationLog();
        log.Append(LogEntries.Put(1, 1));
        log.Append(LogEntries.Put(2, 3));
        log.Append(LogEntries.Put(3, 4));

        var dropped = log.CompactPrefix(2);

        Assert.Equal([1L, 2L], dropped.Select(e => e.Index));
        Assert.Equal(2, log.BaseIndex);
        Assert.Equal(3, log.BaseEpoch);
        Assert.True(log.TryGetEpoch(2, out var epoch));
        Assert.Equal(3, epoch);
        Assert.False(log.TryGetEpoch(1, out _));
        Assert.Equal(4, log.LastEpoch);
    }

    [Fact]
    public void CompactPrefix_AtOrBelowTheBaseIsANoOpAndPastTheEndThrows()
    {
        var log = LogEntries.Filled(10);
        log.CompactPrefix(5);

        Assert.Empty(log.CompactPrefix(5));
        Assert.Empty(log.CompactPrefix(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => log.CompactPrefix(11));
        Assert.Equal(5, log.BaseIndex);
        Assert.Equal(5, log.Count);
    }

    [Fact]
    public void CompactPrefix_OfEverythingLeavesAnEmptyLogThatStillAppends()
    {
        var log = LogEntries.Filled(10);

        log.CompactPrefix(10);

        Assert.Equal(0, log.Count);
        Assert.Equal(10, log.LastIndex);
        Assert.Equal(11, log.FirstIndex);
        Assert.Equal(LogEntries.EpochOf(10), log.LastEpoch);
        log.Append(LogEntries.Put(11, 7));
        LogEntries.AssertHolds(11, log[11], 7);
    }

    [Fact]
    public void Reset_EmptiesTheLogAtANewBase()
    {
        var log = LogEntries.Filled(100);

        log.Reset(500, 7);

        Assert.Equal(0, log.Count);
        Assert.Equal(500, log.BaseIndex);
        Assert.Equal(500, log.LastIndex);
        Assert.Equal(7, log.LastEpoch);
        Assert.True(log.TryGetEpoch(500, out var epoch));
        Assert.Equal(7, epoch);
        Assert.False(log.TryGetEpoch(50, out _));
        Assert.Throws<InvalidOperationException>(() => log.Append(LogEntries.Put(101, 1)));
        log.Append(LogEntries.Put(501, 8));
        LogEntries.AssertHolds(501, log[501], 8);
    }

    [Fact]
    public void Reset_RefusesANegativeBase()
    {
        var log = new ReplicationLog();

        Assert.Throws<ArgumentOutOfRangeException>(() => log.Reset(-1, 0));
    }
}
