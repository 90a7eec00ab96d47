using Orleans.Replication.Protocol;

namespace Orleans.Replication.Client;

/// <summary>Writes straight to the gateway of the primary's silo, through its <see cref="IWriteIngress"/>.</summary>
internal sealed partial class ReplicatedGroup
{
    /// <summary>How long after a failed lookup or call through the ingress the client asks the primary again.</summary>
    private static readonly TimeSpan IngressRetry = TimeSpan.FromSeconds(5);

    private IngressRoute? _ingress;
    private long _ingressEpoch = -1;
    private long _ingressRetryTicks = long.MaxValue;

    /// <summary>
    /// The ingress for writes to node <paramref name="nodeIndex"/>, when it is known for the current route.
    /// </summary>
    private IWriteIngress? IngressFor(int nodeIndex) =>
        Volatile.Read(ref _ingress) is { } known
        && known.NodeIndex == nodeIndex
        && Volatile.Read(ref _route)?.Epoch == known.Epoch
            ? known.Ingress
            : null;

    /// <summary>Whether writes to node <paramref name="nodeIndex"/> now go through its silo's write ingress.</summary>
    internal bool WritesGoDirect(int nodeIndex) => IngressFor(nodeIndex) is not null;

    private void OnIngressFailed(IWriteIngress ingress)
    {
        if (Volatile.Read(ref _ingress) is { } known && ReferenceEquals(known.Ingress, ingress)
            && Interlocked.CompareExchange(ref _ingress, null, known) == known)
        {
            RetryIngressLater();
        }
    }

    /// <summary>
    /// From the watchdog: after a failure, asks the primary for its ingress again once <see cref="IngressRetry"/> has
    /// passed.
    /// </summary>
    private void RetryIngressIfDue()
    {
        if (
            _time.GetUtcNow().UtcTicks >= Interlocked.Read(ref _ingressRetryTicks)
            && Volatile.Read(ref _route) is { HasPrimary: true } route
        )
        {
            Interlocked.Exchange(ref _ingressRetryTicks, long.MaxValue);
            Interlocked.Exchange(ref _ingressEpoch, -1);
            FindIngress(route);
        }
    }

    private void RetryIngressLater() =>
        Interlocked.Exchange(ref _ingressRetryTicks, (_time.GetUtcNow() + IngressRetry).UtcTicks);

    /// <summary>
    /// On a route to a new primary: asks it where its silo's ingress is, in the background; writes go to the node grain
    /// meanwhile.
    /// </summary>
    private void FindIngress(GroupRoute route)
    {
        if (
            _gateways is null
            || !route.HasPrimary
            || Interlocked.Exchange(ref _ingressEpoch, route.Epoch) == route.Epoch
        )
        {
            return;
        }

        Volatile.Write(ref _ingress, null);
        Interlocked.Exchange(ref _ingressRetryTicks, long.MaxValue);
        _ = FindAsync();

        async Task FindAsync()
        {
            try
            {
                var address = await _nodes[route.PrimaryIndex]
                    .GetWriteIngressAsync()
                    .WaitAsync(_options.AttemptTimeout, _time);
                if (address is null || !await _gateways.IsGatewayAsync(address.GatewayHost, address.GatewayPort))
                {
                    return;
                }

                if (
                    Volatile.Read(ref _route) is { } current
                    && current.Epoch == route.Epoch
                    && current.PrimaryIndex == route.PrimaryIndex
                )
                {
                    Volatile.Write(
                        ref _ingress,
                        new IngressRoute(
                            route.Epoch,
                            route.PrimaryIndex,
                            _grains.GetGrain<IWriteIngress>(address.Ingress)
                        )
                    );
                }
            }
            catch (Exception)
            {
                // Only a shortcut: writes keep going to the node grain, and the lookup is tried again later.
                RetryIngressLater();
            }
        }
    }

    private sealed record IngressRoute(long Epoch, int NodeIndex, IWriteIngress Ingress);
}
