namespace Orleans.Replication.Tests;

/// <summary>Write concerns: how many replicas each needs, parsing, and validation against a group's size.</summary>
public sealed class WriteConcernTests
{
    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(3, 1)]
    [InlineData(4, 2)]
    [InlineData(5, 2)]
    [InlineData(7, 3)]
    public void Majority_WithThePrimaryMakesMoreThanHalfTheGroup(int nodeCount, int replicas)
    {
        Assert.Equal(replicas, WriteConcern.Majority.RequiredReplicas(nodeCount));
        Assert.True(2 * (replicas + 1) > nodeCount, "primary plus replicas must be a majority");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(7)]
    public void All_NeedsEveryReplicaAndAFixedCountNeedsItself(int nodeCount)
    {
        Assert.Equal(nodeCount - 1, WriteConcern.All.RequiredReplicas(nodeCount));
        Assert.Equal(0, WriteConcern.WaitForReplicas(0).RequiredReplicas(nodeCount));
        Assert.Equal(2, WriteConcern.WaitForReplicas(2).RequiredReplicas(nodeCount));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(7)]
    public void WaitForReplicas_RefusesACountNoGroupCanMeet(int replicas)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => WriteConcern.WaitForReplicas(replicas));
    }

    [Theory]
    [InlineData("majority", WriteConcernKind.Majority, 0)]
    [InlineData(" MAJORITY ", WriteConcernKind.Majority, 0)]
    [InlineData("all", WriteConcernKind.All, 0)]
    [InlineData("All", WriteConcernKind.All, 0)]
    [InlineData("0", WriteConcernKind.Replicas, 0)]
    [InlineData("1", WriteConcernKind.Replicas, 1)]
    [InlineData("6", WriteConcernKind.Replicas, 6)]
    public void Parse_AcceptsTheDocumentedForms(string text, WriteConcernKind kind, int replicas)
    {
        Assert.Equal(new WriteConcern(kind, replicas), WriteConcern.Parse(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("7")]
    [InlineData("-1")]
    [InlineData("+1")]
    [InlineData("1.0")]
    [InlineData("two")]
    [InlineData("maj")]
    [InlineData("majority:2")]
    public void Parse_RefusesAnythingElse(string text)
    {
        Assert.Throws<FormatException>(() => WriteConcern.Parse(text));
    }

    [Fact]
    public void Parse_OfNullThrows()
    {
        Assert.Throws<ArgumentNullException>(() => WriteConcern.Parse(null!));
    }

    [Fact]
    public void ToString_ParsesBack()
    {
        WriteConcern[] concerns =
        [
            WriteConcern.Majority,
            WriteConcern.All,
            .. Enumerable.Range(0, 7).Select(WriteConcern.WaitForReplicas),
        ];

        Assert.All(concerns, c => Assert.Equal(c, WriteConcern.Parse(c.ToString())));
    }

    [Theory]
    [InlineData(3, 3)]
    [InlineData(1, 1)]
    [InlineData(5, 6)]
    public void Validate_RefusesMoreReplicasThanTheGroupHas(int nodeCount, int replicas)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => WriteConcern.WaitForReplicas(replicas).Validate(nodeCount));
    }

    [Theory]
    [InlineData(3, 2)]
    [InlineData(1, 0)]
    [InlineData(7, 6)]
    public void Validate_AcceptsReplicasTheGroupHas(int nodeCount, int replicas)
    {
        WriteConcern.WaitForReplicas(replicas).Validate(nodeCount);
        WriteConcern.Majority.Validate(nodeCount);
        WriteConcern.All.Validate(nodeCount);
    }

    [Fact]
    public void Validate_RefusesWhatTheFactoriesWouldNotMake()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new WriteConcern(WriteConcernKind.Replicas, -1).Validate(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WriteConcern((WriteConcernKind)9, 0).Validate(3));
    }
}
