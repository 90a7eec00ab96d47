using Orleans.Replication.Options;
using Orleans.TestingHost;

namespace Orleans.Replication.Testing.Hosting;

/// <summary>
/// Sets up the replicated store on the silos of a <see cref="TestCluster"/> as the store's silo host does: the store
/// with <see cref="ReplicationClusterSettings.Recommended"/> (grain directory and failure detection), work
/// distribution, and the plain baseline grain.
/// </summary>
/// <remarks>
/// <para>Add it with <c>TestClusterBuilder.AddSiloBuilderConfigurator&lt;ReplicationSiloConfigurator&gt;()</c>,
/// together with <see cref="ReplicationClientConfigurator"/>. TestCluster creates configurators by type, so settings
/// come through configuration: <c>builder.Properties["Replication:DefaultNodeCount"] = "3"</c> reaches
/// <see cref="ReplicationOptions"/>, and <c>Replication:Work:…</c> the work options. To change the cluster settings,
/// derive from it and pass them to the base constructor.</para>
/// <para>An <c>InProcessTestCluster</c> can use it too: <c>ConfigureSilo((_, silo) =&gt; new
/// ReplicationSiloConfigurator(…).Configure(silo))</c>.</para>
/// </remarks>
public class ReplicationSiloConfigurator : ISiloConfigurator
{
    private readonly ReplicationClusterSettings _clusterSettings;
    private readonly Action<ReplicationOptions>? _configure;

    /// <summary>The store's silo host set-up, with <see cref="ReplicationClusterSettings.Recommended"/>.</summary>
    public ReplicationSiloConfigurator()
        : this(ReplicationClusterSettings.Recommended)
    {
    }

    /// <summary>
    /// The store's silo host set-up with other cluster settings, and options set in code after configuration.
    /// </summary>
    public ReplicationSiloConfigurator(
        ReplicationClusterSettings clusterSettings,
        Action<ReplicationOptions>? configure = null
    )
    {
        _clusterSettings = clusterSettings;
        _configure = configure;
    }

    /// <inheritdoc/>
    public virtual void Configure(ISiloBuilder siloBuilder)
    {
        ArgumentNullException.ThrowIfNull(siloBuilder);
        siloBuilder.AddReplication(_configure, _clusterSettings).AddWorkDistribution().AddBaselineStore();
    }
}
