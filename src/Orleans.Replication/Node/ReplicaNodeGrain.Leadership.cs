using Orleans.Replication.Primary;
using Orleans.Replication.Protocol;

namespace Orleans.Replication.Node;

/// <summary>Confirming, with a majority, that this primary still leads before it serves a linearizable read (Raft's ReadIndex).</summary>
/// <remarks>
/// A primary paused past a failover still believes it leads; it must not answer a strong read from its state.
/// Each read waits for a round of probes that starts after the read arrived, and is served once a majority of
/// the group answered in this epoch. Reads that arrive while a round is in flight share the next round, so the
/// cost is one round trip per batch of reads, not per read. No clock is trusted.
/// </remarks>
internal sealed partial class ReplicaNodeGrain
{
    /// <summary>True once a majority confirmed, in a round started after this call, that this node leads the current epoch.</summary>
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

        primary.NextRound ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = primary.NextRound.Task;
        if (!primary.RoundInFlight)
        {
            StartLeadershipRound(primary);
        }

        return task;
    }

    private void StartLeadershipRound(PrimaryRole primary)
    {
        var round = primary.NextRound;
        primary.NextRound = null;
        if (round is null || _primary != primary)
        {
            round?.TrySetResult(false);
            return;
        }

        primary.RoundInFlight = true;
        var epoch = _epoch;
        var needed = _nodeCount / 2;
        var confirmed = 0;
        var answered = 0;
        var links = primary.Links;
        foreach (var link in links)
        {
            _ = ProbeForRoundAsync(link);
        }

        async Task ProbeForRoundAsync(ReplicaLink link)
        {
            var reply = await SendAsync(link, Probe());
            answered++;
            if (reply is { Status: AppendStatus.Ok } && reply.Epoch == epoch && _epoch == epoch && _primary is not null)
            {
                confirmed++;
            }

            var decided = confirmed >= needed || confirmed + (links.Length - answered) < needed;
            if (decided && !round.Task.IsCompleted)
            {
                round.TrySetResult(confirmed >= needed);
                primary.RoundInFlight = false;
                if (primary.NextRound is not null)
                {
                    StartLeadershipRound(primary);
                }
            }
        }
    }
}
