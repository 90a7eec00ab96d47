namespace Orleans.Replication.Client;

/// <summary>Writes waiting for a primary while the group has none.</summary>
/// <remarks>
/// A write that finds no primary in the route (a failover under way) joins the group's <see cref="PrimaryWaitQueue"/>;
/// one pump per group asks the coordinator for the route every <see cref="PumpInterval"/> while writes wait, and
/// releases them, in order, once it names a primary. A route saying that no majority is reachable is not waited on.
/// </remarks>
internal sealed partial class ReplicatedGroup
{
    /// <summary>
    /// Waits in the queue for a primary; true once one is known, else throws: queue full, or the deadline passed with
    /// the write never sent.
    /// </summary>
    private async Task<bool> WaitForPrimaryAsync(
        Guid writeId,
        TimeSpan timeout,
        TimeSpan remaining,
        Action onRelease,
        CancellationToken ct
    )
    {
        var wait = _waitingWrites.WaitAsync(remaining, onRelease, ct);
        StartPump();
        if (await wait)
        {
            return true;
        }

        throw new ReplicationTimeoutException(
            $"Group '{Name}' had no primary within the write's {timeout.TotalMilliseconds:0} ms; the write (id " +
            $"{writeId}) waited for one and was never sent. Nothing was written."
        );
    }

    /// <summary>
    /// While writes wait, asks the coordinator for the route every <see cref="PumpInterval"/> and lets them go once it
    /// names a primary.
    /// </summary>
    private void StartPump()
    {
        if (Interlocked.CompareExchange(ref _pumping, 1, 0) == 0)
        {
            _ = PumpAsync();
        }
    }

    private static readonly TimeSpan PumpInterval = TimeSpan.FromMilliseconds(50);

    private async Task PumpAsync()
    {
        try
        {
            while (_waitingWrites.Count > 0)
            {
                await Task.Delay(PumpInterval, _time);
                try
                {
                    // One lookup per turn, bounded like an attempt, so that a hung coordinator does not hold the pump.
                    if (
                        (
                            await LookUpRouteAsync(
                                refresh: true,
                                new OperationDeadline(_options.AttemptTimeout, _time),
                                CancellationToken.None
                            )
                        ).HasPrimary
                    )
                    {
                        _waitingWrites.Release();
                    }
                }
                catch (Exception e) when (IsTransient(e))
                {
                    // The coordinator is unreachable for now; ask again at the next turn.
                }
            }
        }
        finally
        {
            Volatile.Write(ref _pumping, 0);
            if (_waitingWrites.Count > 0)
            {
                StartPump();
            }
        }
    }
}
