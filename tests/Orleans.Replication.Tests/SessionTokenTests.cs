namespace Orleans.Replication.Tests;

/// <summary>Session tokens: ordering by index then epoch, and the "epoch:index" text form.</summary>
public sealed class SessionTokenTests
{
    [Fact]
    public void CompareTo_OrdersByIndexBeforeEpoch()
    {
        var earlyIndexLateEpoch = new SessionToken(9, 9);
        var lateIndexEarlyEpoch = new SessionToken(5, 10);

        Assert.True(earlyIndexLateEpoch.CompareTo(lateIndexEarlyEpoch) < 0);
        Assert.True(lateIndexEarlyEpoch.CompareTo(earlyIndexLateEpoch) > 0);
    }

    [Fact]
    public void CompareTo_BreaksAnIndexTieByEpoch()
    {
        var older = new SessionToken(2, 10);
        var newer = new SessionToken(3, 10);

        Assert.True(older.CompareTo(newer) < 0);
        Assert.True(newer.CompareTo(older) > 0);
        Assert.Equal(0, newer.CompareTo(new SessionToken(3, 10)));
    }

    [Fact]
    public void Sorting_PutsTokensInLogOrder()
    {
        SessionToken[] tokens = [new(3, 10), new(1, 2), new(2, 10), SessionToken.None, new(1, 11)];

        Array.Sort(tokens);

        Assert.Equal([SessionToken.None, new(1, 2), new(2, 10), new(3, 10), new(1, 11)], tokens);
    }

    [Fact]
    public void Max_PicksTheLaterTokenInEitherOrder()
    {
        var a = new SessionToken(4, 7);
        var b = new SessionToken(1, 8);

        Assert.Equal(b, SessionToken.Max(a, b));
        Assert.Equal(b, SessionToken.Max(b, a));
        Assert.Equal(a, SessionToken.Max(a, SessionToken.None));
        Assert.Equal(a, SessionToken.Max(SessionToken.None, a));
    }

    [Fact]
    public void None_IsTheDefaultAndPrecedesEveryToken()
    {
        Assert.Equal(default, SessionToken.None);
        Assert.True(SessionToken.None.CompareTo(new SessionToken(0, 1)) < 0);
        Assert.Equal("0:0", SessionToken.None.ToString());
    }

    [Theory]
    [InlineData(3, 42, "3:42")]
    [InlineData(0, 0, "0:0")]
    [InlineData(long.MaxValue, long.MaxValue, "9223372036854775807:9223372036854775807")]
    public void ToString_WritesEpochColonIndexAndParsesBack(long epoch, long index, string text)
    {
        var token = new SessionToken(epoch, index);

        Assert.Equal(text, token.ToString());
        Assert.Equal(token, SessionToken.Parse(text));
        Assert.True(SessionToken.TryParse(text, out var parsed));
        Assert.Equal(token, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("a:b")]
    [InlineData("-1:2")]
    [InlineData("1:-2")]
    [InlineData(":2")]
    [InlineData("1:")]
    [InlineData("1:2:3")]
    [InlineData(" 1:2")]
    [InlineData("1:2 ")]
    [InlineData("+1:2")]
    [InlineData("1.0:2")]
    [InlineData("9223372036854775808:1")]
    public void BadText_IsRefused(string text)
    {
        Assert.False(SessionToken.TryParse(text, out var token));
        Assert.Equal(SessionToken.None, token);
        Assert.Throws<FormatException>(() => SessionToken.Parse(text));
    }

    [Fact]
    public void TryParse_OfNullIsRefused()
    {
        Assert.False(SessionToken.TryParse(null, out _));
    }
}
