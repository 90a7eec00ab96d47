using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Replication.Client;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the replicated store's client library.</summary>
public static class ReplicationClientServiceCollectionExtensions
{
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
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IReplicatedStore, ReplicatedStore>();
        services.TryAddSingleton<IWorkPools, WorkPools>();
        return services;
    }
}
