using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Replication.Client;
using Orleans.TestingHost;

namespace Orleans.Replication.Testing.Hosting;

/// <summary>
/// Registers the store's client library on the client of a <see cref="TestCluster"/>: <see cref="IReplicatedStore"/>
/// and <see cref="IWorkPools"/>, as the store's command line does. Options bind from the <c>ReplicationClient</c>
/// section of the cluster's configuration (<c>builder.Properties["ReplicationClient:AttemptTimeout"] = "00:00:02"</c>).
/// </summary>
public class ReplicationClientConfigurator : IClientBuilderConfigurator
{
    /// <inheritdoc/>
    public virtual void Configure(IConfiguration configuration, IClientBuilder clientBuilder)
    {
        ArgumentNullException.ThrowIfNull(clientBuilder);
        clientBuilder.Services.AddReplicatedStore().AddWorkDistribution();
    }
}
