using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Orleans.Replication.Client;

/// <summary>The client library's root: hands out one <see cref="ReplicatedGroup"/> per group name.</summary>
internal sealed class ReplicatedStore : IReplicatedStore
{
    private readonly IGrainFactory _grains;
    private readonly ReplicationClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, ReplicatedGroup> _groups = new(StringComparer.Ordinal);

    private readonly ClientGateways? _gateways;
    private readonly ILoggerFactory? _loggers;

    public ReplicatedStore(
        IGrainFactory grains,
        IOptions<ReplicationClientOptions> options,
        TimeProvider time,
        IServiceProvider services
    )
    {
        // An Orleans client has a gateway list; code inside a silo has none, and calls the node grains.
        _gateways = services.GetService(typeof(Orleans.Messaging.IGatewayListProvider))
            is Orleans.Messaging.IGatewayListProvider provider
            ? new ClientGateways(provider)
            : null;
        _loggers = services.GetService(typeof(ILoggerFactory)) as ILoggerFactory;
        _grains = grains;
        _options = options.Value;
        _options.Validate();
        _time = time;
    }

    public IReplicatedGroup Group(string name)
    {
        GroupNames.Validate(name, nameof(name));
        return _groups.GetOrAdd(name, n => new ReplicatedGroup(
            n,
            _grains,
            _options,
            _time,
            _gateways,
            _loggers?.CreateLogger<ReplicatedGroup>()
        ));
    }

    public async Task<IReplicatedGroup> CreateGroupAsync(
        string name,
        GroupConfiguration configuration,
        CancellationToken cancellationToken = default
    )
    {
        GroupNames.Validate(name, nameof(name));
        ArgumentNullException.ThrowIfNull(configuration);
        configuration.Validate();
        var route = await _grains
            .GetGrain<IGroupCoordinatorGrain>(name)
            .CreateAsync(configuration)
            .WaitAsync(_options.DefaultWriteTimeout, _time, cancellationToken);
        var group = (ReplicatedGroup)Group(name);
        group.SetRoute(route);
        return group;
    }
}
