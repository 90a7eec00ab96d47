using System.Globalization;

namespace Orleans.Replication.Tests;

/// <summary>
/// Read consistencies: factories, parsing of their text forms, and validation against a group's size.
/// </summary>
public sealed class ReadConsistencyTests
{
    [Theory]
    [InlineData("strong", ReadConsistencyKind.Strong)]
    [InlineData("session", ReadConsistencyKind.Session)]
    [InlineData("eventual", ReadConsistencyKind.Eventual)]
    [InlineData(" Eventual ", ReadConsistencyKind.Eventual)]
    [InlineData("STRONG", ReadConsistencyKind.Strong)]
    public void Parse_AcceptsTheNamedKinds(string text, ReadConsistencyKind kind)
    {
        Assert.Equal(kind, ReadConsistency.Parse(text).Kind);
    }

    [Theory]
    [InlineData("bounded:250", 250)]
    [InlineData("bounded:0", 0)]
    [InlineData("Bounded:1.5", 1.5)]
    public void Parse_AcceptsABoundInMilliseconds(string text, double milliseconds)
    {
        var parsed = ReadConsistency.Parse(text);

        Assert.Equal(ReadConsistency.BoundedStaleness(TimeSpan.FromMilliseconds(milliseconds)), parsed);
        Assert.Equal(long.MaxValue, parsed.MaxLagEntries);
    }

    [Theory]
    [InlineData("quorum:1", 1)]
    [InlineData("quorum:2", 2)]
    [InlineData("QUORUM:7", 7)]
    public void Parse_AcceptsAQuorumSize(string text, int readers)
    {
        var parsed = ReadConsistency.Parse(text);

        Assert.Equal(ReadConsistencyKind.Quorum, parsed.Kind);
        Assert.Equal(readers, parsed.QuorumSize);
    }

    [Theory]
    [InlineData("")]
    [InlineData("linearizable")]
    [InlineData("strong:1")]
    [InlineData("session:")]
    [InlineData("bounded")]
    [InlineData("bounded:")]
    [InlineData("bounded:-1")]
    [InlineData("bounded:abc")]
    [InlineData("bounded:NaN")]
    [InlineData("bounded:1e400")]
    [InlineData("quorum")]
    [InlineData("quorum:0")]
    [InlineData("quorum:8")]
    [InlineData("quorum:-1")]
    [InlineData("quorum:+2")]
    [InlineData("quorum:x")]
    public void Parse_RefusesAnythingElse(string text)
    {
        Assert.Throws<FormatException>(() => ReadConsistency.Parse(text));
    }

    [Fact]
    public void ToString_ParsesBack()
    {
        ReadConsistency[] all =
        [
            ReadConsistency.Strong,
            ReadConsistency.Session,
            ReadConsistency.Eventual,
            ReadConsistency.BoundedStaleness(TimeSpan.FromMilliseconds(250)),
            ReadConsistency.BoundedStaleness(TimeSpan.FromTicks(15_000)),
            ReadConsistency.Quorum(3),
        ];

        Assert.All(all, c => Assert.Equal(c, ReadConsistency.Parse(c.ToString())));
    }

    [Fact]
    public void ToString_OfABoundIgnoresTheCurrentCulture()
    {
        var saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");

            Assert.Equal("bounded:1.5", ReadConsistency.BoundedStaleness(TimeSpan.FromTicks(15_000)).ToString());
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    public void Quorum_RefusesASizeNoGroupHas(int readers)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ReadConsistency.Quorum(readers));
    }

    [Fact]
    public void BoundedStaleness_RefusesNegativeBounds()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            ReadConsistency.BoundedStaleness(TimeSpan.FromMilliseconds(-1))
        );
        Assert.Throws<ArgumentOutOfRangeException>(() => ReadConsistency.BoundedStaleness(TimeSpan.Zero, -1));
    }

    [Theory]
    [InlineData(4, 3)]
    [InlineData(2, 1)]
    [InlineData(7, 5)]
    public void Validate_RefusesAQuorumLargerThanTheGroup(int readers, int nodeCount)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ReadConsistency.Quorum(readers).Validate(nodeCount));
    }

    [Theory]
    [InlineData(3, 3)]
    [InlineData(1, 1)]
    [InlineData(2, 5)]
    public void Validate_AcceptsAQuorumTheGroupCanServe(int readers, int nodeCount)
    {
        ReadConsistency.Quorum(readers).Validate(nodeCount);
        ReadConsistency.Strong.Validate(nodeCount);
        ReadConsistency.BoundedStaleness(TimeSpan.FromSeconds(1), 10).Validate(nodeCount);
    }

    [Fact]
    public void Validate_RefusesWhatTheFactoriesWouldNotMake()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new ReadConsistency((ReadConsistencyKind)9, TimeSpan.Zero, 0, 0).Validate(3)
        );
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new ReadConsistency(ReadConsistencyKind.Quorum, TimeSpan.Zero, 0, 0).Validate(3)
        );
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new ReadConsistency(ReadConsistencyKind.BoundedStaleness, TimeSpan.FromSeconds(-1), 0, 0).Validate(3)
        );
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new ReadConsistency(ReadConsistencyKind.BoundedStaleness, TimeSpan.Zero, -1, 0).Validate(3)
        );
    }
}
