using System.Net;
using Orleans.Messaging;

namespace Orleans.Replication.Client;

/// <summary>Whether this client can reach a given gateway: it is in the client's own gateway list.</summary>
/// <remarks>
/// A call addressed to a silo's gateway leaves straight through that gateway only when the client holds a
/// connection to it; otherwise another gateway would have to forward it. Writes use a silo's ingress only when its
/// gateway is one of the client's.
/// </remarks>
internal sealed class ClientGateways(IGatewayListProvider provider)
{
    public async Task<bool> IsGatewayAsync(string host, int port)
    {
        if (!IPAddress.TryParse(host, out var address))
        {
            return false;
        }

        foreach (var gateway in await provider.GetGateways())
        {
            if (gateway.Port == port && IPAddress.TryParse(gateway.Host, out var listed) && listed.Equals(address))
            {
                return true;
            }
        }

        return false;
    }
}
