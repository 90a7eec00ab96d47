using Orleans.Replication.Primary;
using Orleans.Replication.Protocol;

namespace Orleans.Replication.Node;

/// <summary>
/// Confirming, with a majority, that this primary still leads before it serves a linearizable read (see
/// <see cref="LeadershipRounds"/>).
/// </summary>
internal sealed partial class ReplicaNodeGrain
{
    /// <summary>
    /// True once a majority confirmed, in a round started after this call, that this node leads the current epoch.
    /// </summary>
    private Task<bool> ConfirmLeadershipAsync()
    {
        if (_primary is not { } primary)
        {
            return Task.FromResult(false);
        }

        if (_nodeCount / 2 == 0)
        {
            return Task.FromResult(true);
        }

        var epoch = _epoch;
        return primary.LeadershipRounds.ConfirmAsync(primary.Links, _nodeCount / 2, async link =>
        {
            var reply = await SendAsync(link, Probe());
            return reply is { Status: AppendStatus.Ok }
                && reply.Epoch == epoch
                && _epoch == epoch
                && _primary is not null;
        });
    }
}
