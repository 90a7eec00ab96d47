using Microsoft.Extensions.DependencyInjection;
using Orleans.Replication.Client;
using Orleans.Replication.Protocol;
using Orleans.TestingHost;
using Xunit;

namespace Orleans.Replication.ClusterTests;

/// <summary>One in-process cluster of three silos shared by the tests of the "cluster" collection.</summary>
/// <remarks>
/// The classic grain directory is used (as in production), not the experimental distributed one TestCluster
/// turns on. The log keeps few entries so that snapshots are exercised with small data. Every test uses its own
/// group names, so tests do not see each other's data.
/// </remarks>
public sealed class ClusterFixture : IAsyncLifetime
{
    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IReplicatedStore Store => Cluster.Client.ServiceProvider.GetRequiredService<IReplicatedStore>();

    public IGrainFactory Grains => Cluster.Client;

    public async Task InitializeAsync()
    {
        var builder = IsolatedCluster.NewBuilder(3, o =>
        {
            o.MinRetainedLogEntries = 20;
            o.MaxRetainedLogEntries = 400;
            o.SnapshotChunkSize = 25;
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    public IReplicaNodeGrain Node(string group, int index) =>
        Grains.GetGrain<IReplicaNodeGrain>(GroupNames.NodeKey(group, index));

    public INodeFaults Faults(string group, int index) => Node(group, index).AsReference<INodeFaults>();
}

[CollectionDefinition("cluster")]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
}
