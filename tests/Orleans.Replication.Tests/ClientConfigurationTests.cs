using Microsoft.Extensions.Configuration;
using Orleans.Replication.Cli;

namespace Orleans.Replication.Tests;

/// <summary>The command line's client settings from configuration (section ReplicationClient).</summary>
public sealed class ClientConfigurationTests
{
    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();

    [Fact]
    public void SettingsOfTheSectionAreRead_OthersKeepTheirDefaults()
    {
        var options = ClusterConnection.ClientOptions(
            Configuration(
                ("ReplicationClient:ReplicaAnswers", "false"),
                ("ReplicationClient:AttemptTimeout", "00:00:02"),
                ("Other:ReplicaAnswers", "true")
            )
        );

        Assert.False(options.ReplicaAnswers);
        Assert.Equal(TimeSpan.FromSeconds(2), options.AttemptTimeout);
        Assert.True(options.DirectWrites);
        Assert.True(ClusterConnection.ClientOptions(Configuration()).ReplicaAnswers);
    }

    [Theory]
    [InlineData("ReplicaAnswers", "maybe", "ReplicaAnswers")]
    [InlineData("Frobnicate", "1", "Frobnicate")]
    [InlineData("AttemptTimeout", "00:00:00", "AttemptTimeout")]
    [InlineData("MaxQueuedWrites", "-1", "MaxQueuedWrites")]
    public void AnUnknownSettingOrABadValueIsAnArgumentErrorNamingIt(string key, string value, string named)
    {
        var error = Assert.Throws<ArgumentException>(() =>
            ClusterConnection.ClientOptions(Configuration(("ReplicationClient:" + key, value)))
        );

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        Assert.Contains("ReplicationClient", error.Message, StringComparison.Ordinal);
    }
}
