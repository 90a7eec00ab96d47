using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Replication.Client;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the replicated store's client library.</summary>
public static class ReplicationClientServiceCollectionExtensions
{
    /// <summary>
    /// The configuration section <see cref="AddReplicatedStore"/> binds <see cref="ReplicationClientOptions"/> from.
    /// </summary>
    public const string ConfigurationSection = "ReplicationClient";

    /// <summary>
    /// How often the client reads the gateway list unless configured otherwise (Orleans' default is a minute).
    /// </summary>
    public static readonly TimeSpan GatewayListRefreshPeriod = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Adds <see cref="IReplicatedStore"/> over the registered <see cref="Orleans.IGrainFactory"/> (an Orleans client
    /// or a silo). Calling it twice is harmless.
    /// </summary>
    /// <remarks>
    /// Options bind from the <c>ReplicationClient</c> section of the host's configuration (when the container holds an
    /// <see cref="IConfiguration"/>), then <paramref name="configure"/>; invalid options throw when the store is first
    /// resolved, with a message naming the option. Work distribution is not part of it: see
    /// <see cref="AddWorkDistribution"/>.
    /// </remarks>
    public static IServiceCollection AddReplicatedStore(
        this IServiceCollection services,
        Action<ReplicationClientOptions>? configure = null
    )
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<ReplicationClientOptions>();
        services.TryAddEnumerable(
            ServiceDescriptor.Singleton<IConfigureOptions<ReplicationClientOptions>, BindFromConfiguration>()
        );
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
        return services;
    }

    /// <summary>
    /// Adds <see cref="IWorkPools"/>, the client of the cluster's work distribution (the silos call
    /// <c>AddWorkDistribution</c> too). Calling it twice is harmless.
    /// </summary>
    public static IServiceCollection AddWorkDistribution(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IWorkPools, WorkPools>();
        return services;
    }

    /// <summary>
    /// Binds the options from the host's configuration, when there is one, before any <c>configure</c> delegate.
    /// </summary>
    private sealed class BindFromConfiguration(IServiceProvider services) : IConfigureOptions<ReplicationClientOptions>
    {
        public void Configure(ReplicationClientOptions options) =>
            services.GetService<IConfiguration>()?.GetSection(ConfigurationSection).Bind(options);
    }
}
