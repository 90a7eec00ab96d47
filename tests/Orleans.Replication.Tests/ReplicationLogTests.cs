using Orleans.Replication.Storage;

namespace Orleans.Replication.Tests;

/// <summary>Appending, reading and slicing the ring-buffered log, across growth and wraparound.</summary>
public sealed class ReplicationLogTests
{
    [Fact]
    public void NewLog_IsEmptyAtBaseZero()
    {
        var log = new ReplicationLog();

        Assert.Equal(0, log.Count);
        Assert.Equal(0, log.BaseIndex);
        Assert.Equal(1, log.FirstIndex);
        Assert.Equal(0, log.LastIndex);
        Assert.Equal(0, log.LastEpoch);
        Assert.True(log.TryGetEpoch(0, out var baseEpoch));
        Assert.Equal(0, baseEpoch);
        Assert.False(log.TryGetEpoch(1, out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(5)]
    public void Append_RejectsAnIndexThatDoesNotFollowTheLast(long index)
    {
        var log = new ReplicationLog();

        Assert.Throws<InvalidOperationException>(() => log.Append(LogEntries.Put(index, 1)));
        Assert.Equal(0, log.Count);
    }

    [Fact]
    public void Append_RejectsARepeatedIndex()
    {
        var log = LogEntries.Filled(3);

        Assert.Throws<InvalidOperationException>(() => log.Append(LogEntries.Put(3, 9)));
        Assert.Equal(3, log.LastIndex);
        Assert.Equal(LogEntries.EpochOf(3), log.LastEpoch);
    }

    [Fact]
    public void Ring_GrowsPast64AndWrapsAfterCompaction()
    {
        var log = LogEntries.Filled(100);
        var dropped = log.CompactPrefix(90);
        for (long i = 101; i <= 300; i++)
        {
            log.Append(LogEntries.Put(i, LogEntries.EpochOf(i)));
        }

        Assert.Equal(90, dropped.Length);
        Assert.Equal(90, log.BaseIndex);
        Assert.Equal(LogEntries.EpochOf(90), log.BaseEpoch);
        Assert.Equal(210, log.Count);
        Assert.Equal(91, log.FirstIndex);
        Assert.Equal(300, log.LastIndex);
        Assert.Equal(LogEntries.EpochOf(300), log.LastEpoch);
        for (long i = 91; i <= 300; i++)
        {
            LogEntries.AssertHolds(i, log[i]);
            Assert.True(log.TryGetEpoch(i, out var epoch));
            Assert.Equal(LogEntries.EpochOf(i), epoch);
        }

        var all = log.Slice(91, int.MaxValue);
        Assert.Equal(210, all.Length);
        for (var k = 0; k < all.Length; k++)
        {
            LogEntries.AssertHolds(91 + k, all[k]);
        }

        var middle = log.Slice(250, 10);
        Assert.Equal(Enumerable.Range(250, 10).Select(i => (long)i), middle.Select(e => e.Index));
    }

    [Fact]
    public void Ring_WrapsWithoutGrowing()
    {
        var log = LogEntries.Filled(60);
        log.CompactPrefix(50);
        for (long i = 61; i <= 110; i++)
        {
            log.Append(LogEntries.Put(i, LogEntries.EpochOf(i)));
        }

        Assert.Equal(60, log.Count);
        for (long i = 51; i <= 110; i++)
        {
            LogEntries.AssertHolds(i, log[i]);
        }

        var removed = log.TruncateSuffix(70);
        Assert.Equal(Enumerable.Range(70, 41).Select(i => (long)i), removed.Select(e => e.Index));
        log.Append(LogEntries.Put(70, 99, "other", "x"));
        Assert.Equal("other", log[70].Key);
        LogEntries.AssertHolds(69, log[69]);
    }

    [Fact]
    public void Indexer_ThrowsOutsideTheHeldRange()
    {
        var log = LogEntries.Filled(10);
        log.CompactPrefix(4);

        Assert.Throws<ArgumentOutOfRangeException>(() => log[4]);
        Assert.Throws<ArgumentOutOfRangeException>(() => log[11]);
        LogEntries.AssertHolds(5, log[5]);
        LogEntries.AssertHolds(10, log[10]);
    }

    [Fact]
    public void Slice_ClipsToTheLogAndRefusesCompactedEntries()
    {
        var log = LogEntries.Filled(10);
        log.CompactPrefix(3);

        Assert.Throws<ArgumentOutOfRangeException>(() => log.Slice(3, 5));
        Assert.Empty(log.Slice(11, 5));
        Assert.Empty(log.Slice(5, 0));
        Assert.Equal([8L, 9L, 10L], log.Slice(8, 100).Select(e => e.Index));
        Assert.Equal([4L, 5L], log.Slice(4, 2).Select(e => e.Index));
    }
}
