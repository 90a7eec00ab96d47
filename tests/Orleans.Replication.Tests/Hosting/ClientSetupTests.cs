using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Replication.Client;

namespace Orleans.Replication.Tests.Hosting;

/// <summary>What <c>AddReplicatedStore()</c> and the client's <c>AddWorkDistribution()</c> register.</summary>
public sealed class ClientSetupTests
{
    [Fact]
    public void AddReplicatedStore_BindsTheReplicationClientSection_ThenTheDelegate()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ReplicationClient:AttemptTimeout"] = "00:00:02",
            ["ReplicationClient:ReplicaAnswers"] = "false",
            ["ReplicationClient:MaxQueuedWrites"] = "10",
            ["Other:MaxQueuedWrites"] = "20",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);

        services.AddReplicatedStore(o => o.MaxQueuedWrites = 30);

        var options = services.BuildServiceProvider().GetRequiredService<IOptions<ReplicationClientOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(2), options.AttemptTimeout);
        Assert.False(options.ReplicaAnswers);
        Assert.Equal(30, options.MaxQueuedWrites);
        Assert.True(options.DirectWrites);
    }

    [Fact]
    public void AddReplicatedStore_WithoutConfiguration_KeepsTheDefaults_AndBadSettingsNameTheOption()
    {
        var plain = new ServiceCollection().AddReplicatedStore().BuildServiceProvider();
        Assert.Equal(
            new ReplicationClientOptions().AttemptTimeout,
            plain.GetRequiredService<IOptions<ReplicationClientOptions>>().Value.AttemptTimeout
        );

        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(
                new Dictionary<string, string?> { ["ReplicationClient:AttemptTimeout"] = "00:00:00" }
            )
            .Build();
        var bad = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddReplicatedStore()
            .BuildServiceProvider();
        var error = Assert.ThrowsAny<Exception>(() =>
            bad.GetRequiredService<IOptions<ReplicationClientOptions>>().Value
        );
        Assert.Contains("AttemptTimeout", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void WorkPoolsAreOptIn()
    {
        var store = new ServiceCollection().AddReplicatedStore();
        var work = new ServiceCollection().AddReplicatedStore().AddWorkDistribution();

        Assert.DoesNotContain(store, d => d.ServiceType == typeof(IWorkPools));
        Assert.Contains(work, d => d.ServiceType == typeof(IWorkPools));
    }
}
