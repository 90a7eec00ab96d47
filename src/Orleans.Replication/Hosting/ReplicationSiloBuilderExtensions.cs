using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Replication.Coordination;
using Orleans.Replication.Hosting;
using Orleans.Replication.Node;
using Orleans.Replication.Options;
using Orleans.Replication.Placement;

namespace Orleans.Hosting;

/// <summary>Adds the replicated store to a silo.</summary>
public static class ReplicationSiloBuilderExtensions
{
    /// <summary>Adds the replicated store's grains, placement and options to the silo. Calling it twice is harmless.</summary>
    /// <remarks>Options bind from the <c>Replication</c> configuration section, then <paramref name="configure"/>; invalid options stop the silo at start-up with a message naming the option.</remarks>
    public static ISiloBuilder AddReplication(this ISiloBuilder builder, Action<ReplicationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<ReplicationOptions>();
        options.Bind(builder.Configuration.GetSection("Replication"));
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ReplicationOptions>, ReplicationOptionsValidator>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, MembershipWatcher>());

        // A graceful stop (SIGTERM) hands over the groups led from this silo before its grains are deactivated.
        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton<LocalPrimaries>();
        builder.Services.TryAddSingleton<SiloMetrics>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ILifecycleParticipant<ISiloLifecycle>, ShutdownHandover>());
        if (!builder.Services.Any(d => d.ServiceType == typeof(DistinctNodePlacementDirector)))
        {
            builder.Services.AddSingleton<DistinctNodePlacementDirector>();
            builder.AddPlacementDirector<DistinctNodePlacement, DistinctNodePlacementDirector>();
        }

        // Clients send writes straight to the gateway of the primary's silo through its write ingress.
        if (!builder.Services.Any(d => d.ServiceType == typeof(WriteIngressType)))
        {
            builder.Services.AddSingleton<WriteIngressType>();
            builder.AddGrainService<WriteIngress>();
        }

        builder.AddWorkDistribution();
        return builder;
    }
}
