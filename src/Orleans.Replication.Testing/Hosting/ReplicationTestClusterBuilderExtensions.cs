using Orleans.Replication.Testing.Hosting;

namespace Orleans.TestingHost;

/// <summary>Sets up the replicated store in a <see cref="TestCluster"/>.</summary>
public static class ReplicationTestClusterBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="ReplicationSiloConfigurator"/> to the silos and <see cref="ReplicationClientConfigurator"/> to
    /// the client: the store as its silo host runs it, and its client library on <c>cluster.Client.ServiceProvider</c>.
    /// </summary>
    public static TestClusterBuilder AddReplication(this TestClusterBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder
            .AddSiloBuilderConfigurator<ReplicationSiloConfigurator>()
            .AddClientBuilderConfigurator<ReplicationClientConfigurator>();
    }
}
