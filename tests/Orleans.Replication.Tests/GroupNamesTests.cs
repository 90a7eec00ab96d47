namespace Orleans.Replication.Tests;

/// <summary>Group name rules and the "group/index" node keys built from them.</summary>
public sealed class GroupNamesTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("default")]
    [InlineData("Orders-EU_2.v1")]
    [InlineData("0")]
    [InlineData("...")]
    public void ValidNames_HaveNoError(string name)
    {
        Assert.Null(GroupNames.GetError(name));
        GroupNames.Validate(name);
    }

    [Fact]
    public void ANameOfTheMaximumLength_IsValid()
    {
        var name = new string('x', GroupNames.MaxLength);

        Assert.Null(GroupNames.GetError(name));
    }

    [Fact]
    public void ANameOneCharacterTooLong_IsRefusedWithItsLength()
    {
        var name = new string('x', GroupNames.MaxLength + 1);

        var error = GroupNames.GetError(name);

        Assert.NotNull(error);
        Assert.Contains("65", error, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => GroupNames.Validate(name));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("a b")]
    [InlineData("a:b")]
    [InlineData("grüppe")]
    [InlineData("tab\t")]
    [InlineData("星")]
    public void InvalidNames_AreRefused(string? name)
    {
        Assert.NotNull(GroupNames.GetError(name));
        var e = Assert.Throws<ArgumentException>(() => GroupNames.Validate(name, "groupName"));
        Assert.Equal("groupName", e.ParamName);
    }

    [Fact]
    public void Validate_NamesTheGroupParameterByDefault()
    {
        var e = Assert.Throws<ArgumentException>(() => GroupNames.Validate("a/b"));

        Assert.Equal("group", e.ParamName);
        Assert.Contains("'/'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("default", 0, "default/0")]
    [InlineData("orders.eu", 6, "orders.eu/6")]
    public void NodeKey_JoinsGroupAndIndexAndSplitsBack(string group, int index, string key)
    {
        Assert.Equal(key, GroupNames.NodeKey(group, index));
        Assert.Equal((group, index), GroupNames.ParseNodeKey(key));
    }

    [Fact]
    public void ParseNodeKey_RoundTripsEveryIndexOfAGroup()
    {
        for (var i = 0; i < ReplicationLimits.MaxNodeCount; i++)
        {
            Assert.Equal(("g-1_x.y", i), GroupNames.ParseNodeKey(GroupNames.NodeKey("g-1_x.y", i)));
        }
    }

    [Theory]
    [InlineData("g")]
    [InlineData("/3")]
    [InlineData("g/")]
    [InlineData("g/x")]
    [InlineData("g/-1")]
    [InlineData("g/1.5")]
    public void ParseNodeKey_RefusesWhatNodeKeyDoesNotMake(string key)
    {
        Assert.Throws<FormatException>(() => GroupNames.ParseNodeKey(key));
    }
}
