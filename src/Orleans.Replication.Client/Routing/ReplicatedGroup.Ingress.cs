namespace Orleans.Replication.Client;

/// <summary>Writes straight to the gateway of the primary's silo, through its <see cref="IWriteIngress"/>.</summary>
internal sealed partial class ReplicatedGroup
{
    private IngressRoute? _ingress;
    private long _ingressEpoch = -1;

    /// <summary>The ingress for writes to node <paramref name="nodeIndex"/>, when it is known for the current route.</summary>
    private IWriteIngress? IngressFor(int nodeIndex) =>
        Volatile.Read(ref _ingress) is { } known && known.NodeIndex == nodeIndex && Volatile.Read(ref _route)?.Epoch == known.Epoch
            ? known.Ingress
            : null;

    /// <summary>Whether writes to node <paramref name="nodeIndex"/> now go through its silo's write ingress.</summary>
    internal bool WritesGoDirect(int nodeIndex) => IngressFor(nodeIndex) is not null;

    private void OnIngressFailed(IWriteIngress ingress)
    {
        if (Volatile.Read(ref _ingress) is { } known && ReferenceEquals(known.Ingress, ingress))
        {
            Interlocked.CompareExchange(ref _ingress, null, known);
        }
    }

    /// <summary>On a route to a new primary: asks it where its silo's ingress is, in the background; writes go to the node grain meanwhile.</summary>
    private void FindIngress(GroupRoute route)
    {
        if (_gateways is null || !route.HasPrimary || Interlocked.Exchange(ref _ingressEpoch, route.Epoch) == route.Epoch)
        {
            return;
        }

        Volatile.Write(ref _ingress, null);
        _ = FindAsync();

        async Task FindAsync()
        {
            try
            {
                var address = await _nodes[route.PrimaryIndex].GetWriteIngressAsync().WaitAsync(_options.AttemptTimeout, _time);
                if (address is null || !await _gateways.IsGatewayAsync(address.GatewayHost, address.GatewayPort))
                {
                    return;
                }

                if (Volatile.Read(ref _route) is { } current && current.Epoch == route.Epoch && current.PrimaryIndex == route.PrimaryIndex)
                {
                    Volatile.Write(ref _ingress, new IngressRoute(route.Epoch, route.PrimaryIndex, _grains.GetGrain<IWriteIngress>(address.Ingress)));
                }
            }
            catch (Exception e) when (IsTransient(e) || e is NotImplementedException)
            {
                // Writes keep going to the node grain; the next route tries again.
                Interlocked.CompareExchange(ref _ingressEpoch, -1, route.Epoch);
            }
        }
    }

    private sealed record IngressRoute(long Epoch, int NodeIndex, IWriteIngress Ingress);
}
