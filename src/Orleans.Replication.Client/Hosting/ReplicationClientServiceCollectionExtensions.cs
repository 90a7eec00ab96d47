using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Configuration;
using Orleans.Replication.Client;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the replicated store's client library.</summary>
public static class ReplicationClientServiceCollectionExtensions
{
    /// <summary>How often the client reads the gateway list unless configured otherwise (Orleans' default is a minute).</summary>
    public static readonly TimeSpan GatewayListRefreshPeriod = TimeSpan.FromSeconds(5);

    /// <summary>Adds <see cref="IReplicatedStore"/> over the registered <see cref="Orleans.IGrainFactory"/> (an Orleans client or a silo). Calling it twice is harmless.</summary>
    public static IServiceCollection AddReplicatedStore(this IServiceCollection services, Action<ReplicationClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<ReplicationClientOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.Validate(o =>
        {
            o.Validate();
            return true;
        });
        // A silo that holds no connection from this client forwards what it sends here (a replica's answer to a
        // write) through a gateway the client is connected to, chosen at random: a frozen one swallows it. With the
        // gateway list read every 5 s rather than every minute, the client drops a dead gateway and connects to a
        // restarted silo soon after membership knows. A user's own Configure<GatewayOptions> still wins.
        services.AddOptions<GatewayOptions>().Configure(o => o.GatewayListRefreshPeriod = GatewayListRefreshPeriod);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IReplicatedStore, ReplicatedStore>();
        services.TryAddSingleton<IWorkPools, WorkPools>();
        return services;
    }
}
