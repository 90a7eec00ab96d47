using Orleans.Replication.Client;

namespace Orleans.Replication.Tests;

/// <summary>Validation of the client library's settings.</summary>
public sealed class ReplicationClientOptionsTests
{
    [Fact]
    public void Defaults_AreValid()
    {
        new ReplicationClientOptions().Validate();
    }

    [Fact]
    public void AZeroSessionCatchUpWait_IsValid()
    {
        new ReplicationClientOptions { SessionCatchUpWait = TimeSpan.Zero }.Validate();
    }

    [Theory]
    [InlineData(nameof(ReplicationClientOptions.DefaultWriteTimeout), 0)]
    [InlineData(nameof(ReplicationClientOptions.DefaultWriteTimeout), -1)]
    [InlineData(nameof(ReplicationClientOptions.DefaultReadTimeout), 0)]
    [InlineData(nameof(ReplicationClientOptions.SessionCatchUpWait), -1)]
    public void ABadTimeout_IsRefusedByName(string setting, int milliseconds)
    {
        var options = new ReplicationClientOptions();
        var value = TimeSpan.FromMilliseconds(milliseconds);
        switch (setting)
        {
            case nameof(ReplicationClientOptions.DefaultWriteTimeout):
                options.DefaultWriteTimeout = value;
                break;
            case nameof(ReplicationClientOptions.DefaultReadTimeout):
                options.DefaultReadTimeout = value;
                break;
            default:
                options.SessionCatchUpWait = value;
                break;
        }

        var e = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Equal(setting, e.ParamName);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 0)]
    [InlineData(-5, 1024)]
    public void ASizeLimitBelowOne_IsRefused(int maxKeyBytes, int maxValueBytes)
    {
        var options = new ReplicationClientOptions { MaxKeyBytes = maxKeyBytes, MaxValueBytes = maxValueBytes };

        var e = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains(nameof(ReplicationClientOptions.MaxKeyBytes), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ANegativeQueueLimitOrNonPositiveRoutingRefresh_IsRefusedByName()
    {
        Assert.Equal(
            nameof(ReplicationClientOptions.MaxQueuedWrites),
            Assert.Throws<ArgumentException>(new ReplicationClientOptions { MaxQueuedWrites = -1 }.Validate).ParamName
        );
        Assert.Equal(
            nameof(ReplicationClientOptions.RoutingRefreshInterval),
            Assert
                .Throws<ArgumentException>(
                    new ReplicationClientOptions { RoutingRefreshInterval = TimeSpan.Zero }.Validate
                )
                .ParamName
        );
        new ReplicationClientOptions { MaxQueuedWrites = 0 }.Validate();
    }
}
