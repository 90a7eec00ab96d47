namespace Orleans.Replication.Primary;

/// <summary>
/// Rounds of probes by which a primary confirms, with a majority, that it still leads (Raft's ReadIndex).
/// </summary>
/// <remarks>
/// A primary paused past a failover still believes it leads; it must not answer a strong read from its state.
/// Each read waits for a round that starts after the read arrived, and is served once a majority of the group
/// answered in this epoch. Reads that arrive while a round is in flight share the next round, so the cost is one
/// round trip per batch of reads, not per read. No clock is trusted. Used on the grain's scheduler only.
/// </remarks>
internal sealed class LeadershipRounds
{
    /// <summary>The round the reads arriving now wait for; it starts once the round in flight ends.</summary>
    private TaskCompletionSource<bool>? _next;

    /// <summary>Whether a round's probes are out.</summary>
    private bool _inFlight;

    /// <summary>
    /// True once <paramref name="needed"/> of <paramref name="links"/> confirmed, in a round started after this call,
    /// that this primary leads; <paramref name="probe"/> asks one replica and says whether it confirmed.
    /// </summary>
    public Task<bool> ConfirmAsync(ReplicaLink[] links, int needed, Func<ReplicaLink, Task<bool>> probe)
    {
        _next ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = _next.Task;
        if (!_inFlight)
        {
            Start(links, needed, probe);
        }

        return task;
    }

    /// <summary>Leadership ended: the reads waiting for a round learn that it is not confirmed.</summary>
    public void Fail()
    {
        _next?.TrySetResult(false);
        _next = null;
        _inFlight = false;
    }

    private void Start(ReplicaLink[] links, int needed, Func<ReplicaLink, Task<bool>> probe)
    {
        var round = _next;
        _next = null;
        if (round is null)
        {
            return;
        }

        _inFlight = true;
        var confirmed = 0;
        var answered = 0;
        foreach (var link in links)
        {
            _ = ProbeAsync(link);
        }

        async Task ProbeAsync(ReplicaLink link)
        {
            var confirms = await probe(link);
            answered++;
            if (confirms)
            {
                confirmed++;
            }

            var decided = confirmed >= needed || confirmed + (links.Length - answered) < needed;
            if (decided && !round.Task.IsCompleted)
            {
                round.TrySetResult(confirmed >= needed);
                _inFlight = false;
                if (_next is not null)
                {
                    Start(links, needed, probe);
                }
            }
        }
    }
}
