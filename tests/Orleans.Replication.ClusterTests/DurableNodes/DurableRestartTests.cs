using System.Text;
using Orleans.Replication.Client;
using Orleans.TestingHost;
using Xunit;

namespace Orleans.Replication.ClusterTests.DurableNodes;

/// <summary>In-process silos with data directories: what a group acknowledged is there after all restart.</summary>
/// <remarks>
/// The silos stop together (their nodes close their logs); a new cluster on the same directories recovers each node
/// from its disk, elects from the recovered logs and serves every write. Crashes (kill -9) are the real-process
/// tests' part.
/// </remarks>
public sealed class DurableRestartTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "orepl-restart-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task EveryAcknowledgedWriteIsThereAfterTheWholeClusterRestarts()
    {
        const string group = "durable-restart";
        var written = new Dictionary<string, string>();
        await using (var first = await StartAsync())
        {
            var g = first.Store.Group(group);
            for (var i = 0; i < 300; i++)
            {
                var value = $"v{i}-{Guid.NewGuid():N}";
                await g.PutAsync($"k{i % 120}", Encoding.UTF8.GetBytes(value));
                written[$"k{i % 120}"] = value;
            }

            await g.DeleteAsync("k7");
            written.Remove("k7");
            var status = await g.GetStatusAsync();
            Assert.All(status.Nodes, n =>
            {
                Assert.Equal(Durability.Disk, n.Durability);
                Assert.NotNull(n.DataDirectory);
                Assert.StartsWith(_root, n.DataDirectory);
            });
        }

        await using var second = await StartAsync();
        var again = second.Store.Group(group);
        long epoch = 0;
        foreach (var (key, value) in written)
        {
            var read = await again.GetAsync(key, new ReadOptions { Consistency = ReadConsistency.Strong });
            Assert.True(read.Found, $"{key} was acknowledged but is missing after the restart");
            Assert.Equal(value, Encoding.UTF8.GetString(read.Value!));
            epoch = read.Epoch;
        }

        Assert.False((await again.GetAsync("k7")).Found);
        Assert.True(epoch > 1, $"the group elected again from its logs (epoch {epoch})");
        var after = await again.GetStatusAsync();
        Assert.All(after.Nodes, n => Assert.True(n.DurableIndex >= n.CommitIndex || n.Role != NodeRole.Primary));

        // Writes go on in the new epoch, and are durable in it too.
        await again.PutAsync("after", "x"u8.ToArray());
    }

    private Task<DurableCluster> StartAsync() => DurableCluster.StartAsync(_root, 3);

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}

/// <summary>An in-process cluster whose silo i keeps its data in <c>{root}/{silo name}</c>.</summary>
internal sealed class DurableCluster(InProcessTestCluster cluster) : IAsyncDisposable
{
    public InProcessTestCluster Cluster { get; } = cluster;

    public IReplicatedStore Store =>
        Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
            .GetRequiredService<IReplicatedStore>(Cluster.Client.ServiceProvider);

    public static async Task<DurableCluster> StartAsync(string root, short silos,
        Action<Options.ReplicationOptions>? configure = null,
        Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services = null,
        Action<string, Options.ReplicationOptions>? configureSilo = null)
    {
        var builder = new InProcessTestClusterBuilder(silos);
#pragma warning disable ORLEANSEXP003
        builder.Options.UseDistributedGrainDirectory = false;
#pragma warning restore ORLEANSEXP003
        // A data directory belongs to one cluster: a cluster started again on it keeps the id.
        builder.Options.ClusterId = "durable-" + Path.GetFileName(root);
        builder.Options.ConfigureFileLogging =
            Environment.GetEnvironmentVariable("ORLEANS_REPLICATION_TEST_LOGS") == "1";
        builder.ConfigureSilo((options, silo) =>
        {
            var directory = Path.Combine(root, options.SiloName);
            Directory.CreateDirectory(directory);
            new Testing.Hosting.ReplicationSiloConfigurator(ReplicationClusterSettings.FastFailureDetection, o =>
            {
                o.DataDirectory = directory;
                configure?.Invoke(o);
                configureSilo?.Invoke(options.SiloName, o);
            }).Configure(silo);
            services?.Invoke(silo.Services);
        });
        builder.ConfigureClient(client =>
            new Testing.Hosting.ReplicationClientConfigurator().Configure(client.Configuration, client));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new DurableCluster(cluster);
    }

    private readonly List<InProcessSiloHandle> _restarted = [];

    /// <summary>Kills silo <paramref name="silo"/> (nothing is deactivated, nothing flushed beyond what was).</summary>
    public Task KillAsync(InProcessSiloHandle silo) => Cluster.KillSiloAsync(silo);

    /// <summary>Starts the silo of <paramref name="instanceNumber"/> again: same name, same data directory.</summary>
    public async Task<InProcessSiloHandle> RestartAsync(int instanceNumber)
    {
        var silo = await Cluster.StartSiloAsync(instanceNumber, Cluster.Options);
        _restarted.Add(silo);
        return silo;
    }

    /// <summary>The activation of <paramref name="grain"/> on any silo, found inside the silos (no call is made, so
    /// nothing is activated by looking).</summary>
    public IGrainContext? FindActivation(GrainId grain)
    {
        var directoryType = typeof(Orleans.Runtime.Silo).Assembly.GetType("Orleans.Runtime.ActivationDirectory", true)!;
        var find = directoryType.GetMethod("FindTarget")!;
        foreach (var silo in Cluster.Silos.Concat(_restarted))
        {
            var directory = silo.SiloHost.Services.GetService(directoryType);
            if (directory is not null && find.Invoke(directory, [grain]) is IGrainContext context)
            {
                return context;
            }
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _restarted)
        {
            await silo.StopSiloAsync(stopGracefully: false);
        }

        await Cluster.DisposeAsync();
    }
}
