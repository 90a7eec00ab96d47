namespace Orleans.Replication.Tests;

/// <summary>The key, value and node-count limits shared by silo and client.</summary>
public sealed class ReplicationLimitsTests
{
    [Fact]
    public void ValidateKey_AcceptsAKeyOfTheDefaultMaximum()
    {
        ReplicationLimits.ValidateKey(new string('k', 1024));
        ReplicationLimits.ValidateKey(string.Concat(Enumerable.Repeat("é", 512)));
    }

    [Fact]
    public void ValidateKey_CountsUtf8BytesNotCharacters()
    {
        var key = string.Concat(Enumerable.Repeat("€", 342));

        var e = Assert.Throws<ArgumentException>(() => ReplicationLimits.ValidateKey(key));

        Assert.Equal("key", e.ParamName);
        Assert.Contains("1026", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateKey_RefusesAKeyOneByteTooLong()
    {
        Assert.Throws<ArgumentException>(() => ReplicationLimits.ValidateKey(new string('k', 1025)));
    }

    [Fact]
    public void ValidateKey_HonoursAConfiguredMaximum()
    {
        ReplicationLimits.ValidateKey("abcd", maxKeyBytes: 4);
        Assert.Throws<ArgumentException>(() => ReplicationLimits.ValidateKey("abcde", maxKeyBytes: 4));
    }

    [Fact]
    public void ValidateKey_RefusesNullAndEmpty()
    {
        Assert.Throws<ArgumentNullException>(() => ReplicationLimits.ValidateKey(null));
        Assert.Throws<ArgumentException>(() => ReplicationLimits.ValidateKey(string.Empty));
    }

    [Fact]
    public void ValidateValue_AcceptsEmptyAndTheDefaultMaximum()
    {
        ReplicationLimits.ValidateValue([]);
        ReplicationLimits.ValidateValue(new byte[1024 * 1024]);
    }

    [Fact]
    public void ValidateValue_RefusesAValueOneByteTooLong()
    {
        var e = Assert.Throws<ArgumentException>(() => ReplicationLimits.ValidateValue(new byte[(1024 * 1024) + 1]));

        Assert.Equal("value", e.ParamName);
    }

    [Fact]
    public void ValidateValue_HonoursAConfiguredMaximumAndRefusesNull()
    {
        ReplicationLimits.ValidateValue(new byte[10], maxValueBytes: 10);
        Assert.Throws<ArgumentException>(() => ReplicationLimits.ValidateValue(new byte[11], maxValueBytes: 10));
        Assert.Throws<ArgumentNullException>(() => ReplicationLimits.ValidateValue(null));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    public void ValidateNodeCount_AcceptsOneToSeven(int nodeCount)
    {
        ReplicationLimits.ValidateNodeCount(nodeCount);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(8)]
    public void ValidateNodeCount_RefusesOtherCounts(int nodeCount)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ReplicationLimits.ValidateNodeCount(nodeCount));

        Assert.Equal(nodeCount, e.ActualValue);
    }
}
