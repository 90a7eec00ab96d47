using Orleans.Replication.LoadBalancing;

namespace Orleans.Replication.Tests.LoadBalancing;

public sealed class MovingAverageTests
{
    [Fact]
    public void AveragesOnlyTheLastWindowOfSamples()
    {
        var a = new MovingAverage(3);
        Assert.Equal(0, a.Value);
        a.Add(3);
        a.Add(6);
        Assert.Equal(4.5, a.Value);
        a.Add(9);
        a.Add(30);
        Assert.Equal(3, a.Count);
        Assert.Equal(15, a.Value);
    }

    [Fact]
    public void TheDefaultWindowIsTheLastHundredRequests()
    {
        var a = new MovingAverage();
        for (var i = 0; i < 100; i++)
        {
            a.Add(1000);
        }

        for (var i = 0; i < 100; i++)
        {
            a.Add(2);
        }

        Assert.Equal(100, a.Window);
        Assert.Equal(2, a.Value, 9);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void BadSamplesAreRefusedAndChangeNothing(double sample)
    {
        var a = new MovingAverage(4);
        a.Add(2);
        Assert.Throws<ArgumentOutOfRangeException>(() => a.Add(sample));
        Assert.Equal(1, a.Count);
        Assert.Equal(2, a.Value);
    }

    [Fact]
    public void AZeroWindowIsRefused() => Assert.Throws<ArgumentOutOfRangeException>(() => new MovingAverage(0));
}
