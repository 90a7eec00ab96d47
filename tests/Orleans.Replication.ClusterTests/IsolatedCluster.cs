using Microsoft.Extensions.DependencyInjection;
using Orleans.Replication.Client;
using Orleans.Replication.Protocol;
using Orleans.Replication.Testing.Hosting;
using Orleans.TestingHost;

namespace Orleans.Replication.ClusterTests;

/// <summary>A cluster of its own for a test that stops silos.</summary>
/// <remarks>
/// In-process silos: stopping one ends its activations (the in-memory state of the nodes on it is gone) and
/// the silo itself declares its death, so this exercises failover, not failure detection; the real-process
/// tests do that. The classic grain directory is used, as in production.
/// </remarks>
internal sealed class IsolatedCluster : IAsyncDisposable
{
    private IsolatedCluster(InProcessTestCluster cluster) => Cluster = cluster;

    public InProcessTestCluster Cluster { get; }

    public IReplicatedStore Store => Cluster.Client.ServiceProvider.GetRequiredService<IReplicatedStore>();

    public IGrainFactory Grains => Cluster.Client;

    public static async Task<IsolatedCluster> StartAsync(short silos)
    {
        var cluster = NewBuilder(silos, o => o.MinRetainedLogEntries = 20).Build();
        await cluster.DeployAsync();
        return new IsolatedCluster(cluster);
    }

    /// <summary>
    /// A cluster builder with the replicated store (work distribution and the baseline grain included), the fault
    /// extension and a client, as every cluster test uses.
    /// </summary>
    public static InProcessTestClusterBuilder NewBuilder(short silos, Action<Options.ReplicationOptions> configure)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        // The in-process tests run the classic directory: promotions must be safe with it too.
#pragma warning disable ORLEANSEXP003
        builder.Options.UseDistributedGrainDirectory = false;
#pragma warning restore ORLEANSEXP003
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) =>
        {
            // The store as its silo host sets it up, but with the classic directory and Orleans' own failure detection:
            // in-process silos declare their own death, and promotions must be safe with the classic directory too.
            new ReplicationSiloConfigurator(ReplicationClusterSettings.None, configure).Configure(silo);
            silo.AddGrainExtension<INodeFaults, NodeFaults>();
            silo.AddIncomingGrainCallFilter<NodeFaultGates>();
            silo.AddIncomingGrainCallFilter<Freezer>();
            silo.AddIncomingGrainCallFilter<AppendCallCounter>();
        });
        builder.ConfigureClient(client => new ReplicationClientConfigurator().Configure(client.Configuration, client));
        return builder;
    }

    public IGroupCoordinatorGrain Coordinator(string group) => Grains.GetGrain<IGroupCoordinatorGrain>(group);

    /// <summary>
    /// The silo that hosts node <paramref name="index"/> of <paramref name="group"/>, as its status reports.
    /// </summary>
    public async Task<InProcessSiloHandle> SiloOfNodeAsync(string group, int index)
    {
        var silo = (await Grains.GetGrain<IReplicaNodeGrain>(GroupNames.NodeKey(group, index)).GetStatusAsync()).Silo;
        return Cluster.Silos.Single(s => s.SiloAddress.ToString() == silo);
    }

    /// <summary>The silo that hosts the coordinator of <paramref name="group"/>.</summary>
    public InProcessSiloHandle SiloOfCoordinator(string group)
    {
        var id = ((GrainReference)Coordinator(group)).GrainId;
        return Cluster.TryGetGrainContext(id, out var context)
            ? Cluster.Silos.Single(s => s.SiloAddress.Equals(context.Address.SiloAddress))
            : throw new InvalidOperationException($"The coordinator of {group} is not active.");
    }

    public async ValueTask DisposeAsync() => await Cluster.DisposeAsync();
}
