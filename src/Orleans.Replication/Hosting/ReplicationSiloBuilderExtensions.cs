using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Replication.Coordination;
using Orleans.Replication.Hosting;
using Orleans.Replication.Node;
using Orleans.Replication.Options;
using Orleans.Replication.Placement;
using Orleans.Replication.WriteAhead;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Orleans.Hosting;

/// <summary>Adds the replicated store to a silo.</summary>
public static class ReplicationSiloBuilderExtensions
{
    /// <summary>
    /// Adds the replicated store's grains, placement and options to the silo, with the cluster settings its healing
    /// times rely on (<see cref="ReplicationClusterSettings.Recommended"/>: the distributed grain directory without
    /// range lease, and fast failure detection). Calling it twice is harmless.
    /// </summary>
    /// <remarks>
    /// Options bind from the <c>Replication</c> configuration section, then <paramref name="configure"/>; invalid
    /// options stop the silo at start-up with a message naming the option. Work distribution is not part of it: see
    /// <c>AddWorkDistribution</c>.
    /// </remarks>
    public static ISiloBuilder AddReplication(
        this ISiloBuilder builder,
        Action<ReplicationOptions>? configure = null
    ) => builder.AddReplication(configure, ReplicationClusterSettings.Recommended);

    /// <summary>
    /// Adds the replicated store's grains, placement and options to the silo, with the cluster settings
    /// <paramref name="clusterSettings"/> names (<see cref="ReplicationClusterSettings.None"/> leaves the grain
    /// directory and failure detection as the silo sets them).
    /// </summary>
    /// <remarks>See <see cref="ReplicationClusterSettings"/> for what each setting gains and costs.</remarks>
    public static ISiloBuilder AddReplication(
        this ISiloBuilder builder,
        Action<ReplicationOptions>? configure,
        ReplicationClusterSettings clusterSettings
    )
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<ReplicationOptions>();
        options.Bind(builder.Configuration.GetSection("Replication"));
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        builder.Services.TryAddEnumerable(
            ServiceDescriptor.Singleton<IValidateOptions<ReplicationOptions>, ReplicationOptionsValidator>()
        );
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddEnumerable(
            ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, MembershipWatcher>()
        );

        // A graceful stop (SIGTERM) hands over the groups led from this silo before its grains are deactivated.
        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton<LocalPrimaries>();
        builder.Services.TryAddSingleton<SiloMetrics>();
        builder.Services.TryAddEnumerable(
            ServiceDescriptor.Singleton<ILifecycleParticipant<ISiloLifecycle>, ShutdownHandover>()
        );
        if (!builder.Services.Any(d => d.ServiceType == typeof(DistinctNodePlacementDirector)))
        {
            builder.Services.AddSingleton<DistinctNodePlacementDirector>();
            builder.AddPlacementDirector<DistinctNodePlacement, DistinctNodePlacementDirector>();
        }

        // Nodes keep their logs in the silo's data directory, when it has one; the silo publishes which nodes its disk
        // holds (in its metadata, read at start) and wakes them as it starts.
        if (!builder.Services.Any(d => d.ServiceType == typeof(NodeDisks)))
        {
            builder.Services.AddSingleton<NodeDisks>();
            builder.Services.AddSingleton<NodeWaker>();
            builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(
                sp => sp.GetRequiredService<NodeWaker>());
            var held = new Dictionary<string, string>();
            builder.Services.AddOptions<SiloMetadata>().Configure<NodeDisks>((_, disks) =>
            {
                if (disks.Enabled)
                {
                    held[NodeDisks.HeldNodesMetadataKey] = string.Join(',', disks.HeldNodeKeys());
                }
            });
            builder.UseSiloMetadata(held);
        }

        // Clients send writes straight to the gateway of the primary's silo through its write ingress.
        if (!builder.Services.Any(d => d.ServiceType == typeof(WriteIngressType)))
        {
            builder.Services.AddSingleton<WriteIngressType>();
            builder.AddGrainService<WriteIngress>();
        }

        return builder.UseReplicationClusterSettings(clusterSettings);
    }

    /// <summary>
    /// Applies the Orleans settings of <paramref name="settings"/> to the silo: the grain directory and
    /// failure-detection timings that the replicated store's healing times rely on (see
    /// <see cref="ReplicationClusterSettings"/>). <c>AddReplication()</c> calls it with
    /// <see cref="ReplicationClusterSettings.Recommended"/>; calling it again is harmless.
    /// </summary>
    /// <remarks>
    /// The membership timings are set as options are configured, after the silo's own <c>Configure</c> calls made
    /// before this one; a <c>Configure&lt;ClusterMembershipOptions&gt;</c> made afterwards overrides them.
    /// </remarks>
    public static ISiloBuilder UseReplicationClusterSettings(
        this ISiloBuilder builder,
        ReplicationClusterSettings settings = ReplicationClusterSettings.Recommended
    )
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (settings.HasFlag(ReplicationClusterSettings.DistributedGrainDirectory))
        {
            // Experimental in Orleans 10.4.2; the store relies on one activation per node
            // (see ReplicationClusterSettings).
#pragma warning disable ORLEANSEXP003
            builder.AddDistributedGrainDirectory();
#pragma warning restore ORLEANSEXP003
            builder.Configure<GrainDirectoryOptions>(o => o.RangeLeaseDuration = TimeSpan.Zero);
        }

        if (settings.HasFlag(ReplicationClusterSettings.FastFailureDetection))
        {
            builder.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
                o.EnableConnectionLivenessCheck = false;
                o.EnableIndirectProbes = false;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
            });
        }

        return builder;
    }
}
